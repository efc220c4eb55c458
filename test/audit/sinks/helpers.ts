// Shared by the sink tests: a real hash chain with signed checkpoints (what the audit log hands the sinks), a
// logger that keeps its lines, a short polling helper, and strict parsers for what a SIEM receives.
import { ChainHead } from '../../../src/audit/chain.ts';
import { checkpointSigner, type SignedCheckpoint } from '../../../src/audit/checkpoint.ts';
import { type AuditEventInput, buildAuditEvent } from '../../../src/audit/event.ts';
import { loadOrCreateSigningKey, type SigningKey } from '../../../src/audit/signing-key.ts';
import type { CommittedRecord, ForwarderDeps } from '../../../src/audit/sinks/forwarder.ts';
import { createLogger, type Logger } from '../../../src/monitor/logger.ts';
import { sampleEvent } from '../helpers.ts';

export interface TestChain {
  readonly key: SigningKey;
  readonly records: CommittedRecord[];
  /** Checkpoints after every `every` entries, in order. */
  readonly checkpoints: SignedCheckpoint[];
}

/** `n` committed records built exactly as the audit log builds them, signed with the key of `stateDir`. */
export function makeChain(
  stateDir: string,
  n: number,
  options: { every?: number; event?: (i: number) => AuditEventInput } = {},
): TestChain {
  const key = loadOrCreateSigningKey(stateDir);
  const signer = checkpointSigner(key);
  const head = new ChainHead();
  const records: CommittedRecord[] = [];
  const checkpoints: SignedCheckpoint[] = [];
  const start = Date.parse('2026-01-15T10:00:00.000Z');
  for (let i = 1; i <= n; i++) {
    const { event, json } = buildAuditEvent((options.event ?? sampleEvent)(i), {
      mode: 'digest',
      now: () => start + i * 1000,
    });
    const entry = head.append(event.id, json);
    records.push({ seq: entry.seq, id: entry.id, hash: entry.hash.toString('hex'), leaf: entry.leaf, event });
    if (options.every && i % options.every === 0) {
      checkpoints.push(
        signer.sign({
          size: head.size,
          root: head.frontier.root().toString('hex'),
          time: new Date(start + i * 1000).toISOString(),
        }),
      );
    }
  }
  return { key, records, checkpoints };
}

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: Array<Record<string, unknown>>;
}

export function captureLog(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  return { log: createLogger('debug', {}, (line) => lines.push(JSON.parse(line))), lines };
}

export function deps(chain: TestChain, baseDir: string, log: Logger = captureLog().log): ForwarderDeps {
  return { log, baseDir, publicKeyPem: chain.key.publicKeyPem, keyId: chain.key.keyId };
}

/** Polls `check` every few ms until it is true; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** An event whose text needs every kind of escaping the formats have. */
export function awkwardEvent(i: number): AuditEventInput {
  return sampleEvent(i, {
    decision: 'denied',
    name: `tool "quoted"] back\\slash a=b | pipe\nnew line ${i}`,
    principal: {
      issuer: 'https://idp.example',
      subject: 'user=1\\x',
      clientId: 'client|a',
      agent: 'agent "a"',
    },
    code: 'RAMPART_POLICY_DENIED',
    ruleIds: ['policy:a', 'policy:b'],
  });
}

// ---- RFC 5424 ------------------------------------------------------------------------------------------

export interface Syslog5424 {
  readonly pri: number;
  readonly facility: number;
  readonly severity: number;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  /** SD-ID -> params (unescaped). */
  readonly sd: Map<string, Map<string, string>>;
  /** MSG without its BOM; `bom` says whether there was one. */
  readonly msg: string | undefined;
  readonly bom: boolean;
}

const HEADER =
  /^<(0|[1-9]\d{0,2})>1 (-|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) /;
const SD_NAME = /^[\x21-\x7e]{1,32}/;

/** A strict RFC 5424 parser: throws on anything the grammar does not allow. */
export function parse5424(raw: Buffer): Syslog5424 {
  // Fatal: a message cut inside a UTF-8 sequence must fail here.
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  const m = HEADER.exec(text);
  if (!m) throw new Error(`bad RFC 5424 header: ${text.slice(0, 120)}`);
  const pri = Number(m[1]);
  if (pri > 191) throw new Error('PRI out of range');
  if (m[2] !== '-' && Number.isNaN(Date.parse(m[2]!))) throw new Error('bad timestamp');
  let i = m[0].length;
  const sd = new Map<string, Map<string, string>>();
  if (text[i] === '-') {
    i += 1;
  } else {
    if (text[i] !== '[') throw new Error('structured data expected');
    while (text[i] === '[') {
      i += 1;
      const id = SD_NAME.exec(text.slice(i))?.[0].split(/[= \]"]/)[0];
      if (!id) throw new Error('bad SD-ID');
      i += id.length;
      const params = new Map<string, string>();
      while (text[i] === ' ') {
        i += 1;
        const name = /^[^= \]"]{1,32}/.exec(text.slice(i))?.[0];
        if (!name || !/^[\x21-\x7e]+$/.test(name)) throw new Error('bad PARAM-NAME');
        i += name.length;
        if (text.slice(i, i + 2) !== '="') throw new Error('=" expected');
        i += 2;
        let value = '';
        for (;;) {
          const c = text[i];
          if (c === undefined) throw new Error('unterminated PARAM-VALUE');
          if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === ']')) {
            value += text[i + 1];
            i += 2;
            continue;
          }
          if (c === ']') throw new Error('unescaped ] in PARAM-VALUE');
          if (c === '"') break;
          value += c;
          i += 1;
        }
        i += 1;
        params.set(name, value);
      }
      if (text[i] !== ']') throw new Error('] expected');
      i += 1;
      sd.set(id, params);
    }
  }
  let msg: string | undefined;
  let bom = false;
  if (i < text.length) {
    if (text[i] !== ' ') throw new Error('SP before MSG expected');
    msg = text.slice(i + 1);
    if (msg.startsWith('\ufeff')) {
      bom = true;
      msg = msg.slice(1);
    }
  }
  return {
    pri,
    facility: pri >> 3,
    severity: pri & 7,
    timestamp: m[2]!,
    hostname: m[3]!,
    appName: m[4]!,
    procId: m[5]!,
    msgId: m[6]!,
    sd,
    msg,
    bom,
  };
}

/** Splits an RFC 6587 octet-counted stream into messages; throws on a malformed or incomplete frame. */
export function parseOctetCounted(stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < stream.length) {
    const space = stream.indexOf(0x20, i);
    const digits = stream.subarray(i, space).toString('ascii');
    if (space < 0 || !/^[1-9]\d{0,8}$/.test(digits)) throw new Error(`bad MSG-LEN at ${i}`);
    const length = Number(digits);
    const start = space + 1;
    if (start + length > stream.length) throw new Error('incomplete frame');
    out.push(stream.subarray(start, start + length));
    i = start + length;
  }
  return out;
}

// ---- CEF ------------------------------------------------------------------------------------------------

export interface Cef {
  readonly version: string;
  readonly vendor: string;
  readonly product: string;
  readonly deviceVersion: string;
  readonly signatureId: string;
  readonly name: string;
  readonly severity: number;
  readonly extensions: Map<string, string>;
}

/** A strict CEF parser: 7 unescaped-pipe-separated header fields after `CEF:0`, then key=value pairs. */
export function parseCef(text: string): Cef {
  if (!text.startsWith('CEF:0|')) throw new Error(`not CEF: ${text.slice(0, 40)}`);
  const fields: string[] = [];
  let i = 4;
  let current = '';
  for (; i < text.length && fields.length < 7; i++) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`bad header escape \\${next}`);
      current += next;
      i += 1;
    } else if (c === '|') {
      fields.push(current);
      current = '';
    } else if (c === '\n' || c === '\r') {
      throw new Error('line break in header');
    } else {
      current += c;
    }
  }
  if (fields.length !== 7) throw new Error(`expected 7 header fields, got ${fields.length}`);
  const [version, vendor, product, deviceVersion, signatureId, name, severity] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (version !== '0') throw new Error('version');
  if (!/^(?:\d|10)$/.test(severity)) throw new Error(`bad severity ${severity}`);
  const extensions = new Map<string, string>();
  const rest = text.slice(i);
  // Keys start at the beginning or after a space and end at an unescaped '='.
  let pos = 0;
  while (pos < rest.length) {
    const key = /^([A-Za-z0-9_]+)=/.exec(rest.slice(pos));
    if (!key) throw new Error(`bad extension key at ${rest.slice(pos, pos + 30)}`);
    pos += key[0].length;
    let value = '';
    for (;;) {
      const c = rest[pos];
      if (c === undefined) break;
      if (c === '\\') {
        const next = rest[pos + 1];
        if (next === '\\' || next === '=') value += next;
        else if (next === 'n') value += '\n';
        else if (next === 'r') value += '\r';
        else throw new Error(`bad extension escape \\${next}`);
        pos += 2;
        continue;
      }
      if (c === '=') throw new Error('unescaped = in a value');
      if (c === '\n' || c === '\r') throw new Error('raw line break in a value');
      if (c === ' ' && /^ [A-Za-z0-9_]+=/.test(rest.slice(pos))) {
        pos += 1;
        break;
      }
      value += c;
      pos += 1;
    }
    if (extensions.has(key[1]!)) throw new Error(`duplicate key ${key[1]}`);
    extensions.set(key[1]!, value);
  }
  return {
    version,
    vendor,
    product,
    deviceVersion,
    signatureId,
    name,
    severity: Number(severity),
    extensions,
  };
}
