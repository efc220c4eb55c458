// The quarantine as the gateway asks for it: which fetched items it may use, whether a server is held back as a
// whole, which error a call to a held-back definition gets, and whether a server's instructions may be shown.

import { tofuEnabled } from '../config/server-tls-schema.ts';
import type { ListKind } from '../core/catalog.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';
import type { RampartError } from '../errors.ts';
import type { Upstream } from '../upstream/upstream.ts';
import type { DefinitionRisk } from './definition-risk.ts';
import type { PinKind, ServerIdentity } from './pins.ts';
import type { Quarantine } from './quarantine.ts';

const CAPABILITY: Record<ListKind, string> = {
  tools: 'tools',
  prompts: 'prompts',
  resources: 'resources',
  resourceTemplates: 'resources',
};

const PIN_KIND: Record<ListKind, PinKind | undefined> = {
  tools: 'tool',
  prompts: 'prompt',
  resourceTemplates: 'resourceTemplate',
  resources: undefined, // concrete resources come and go; their templates and the server's identity are pinned
};

export class GatewayIntegrity {
  readonly quarantine: Quarantine;
  /** The detectors' verdicts on the tools admitted (policies read them as `resource.risk`). */
  readonly risk: DefinitionRisk | undefined;

  constructor(quarantine: Quarantine, risk?: DefinitionRisk) {
    this.quarantine = quarantine;
    this.risk = risk;
  }

  /** The items of one fetched list the gateway may list and route to. */
  admit(upstream: Upstream, kind: ListKind, items: JsonObject[]): JsonObject[] {
    const pinKind = PIN_KIND[kind];
    if (pinKind === undefined) return this.quarantine.serverRefusal(upstream.name) ? [] : items;
    const admitted = this.quarantine.review(upstream.name, pinKind, items) as JsonObject[];
    if (kind === 'tools') this.risk?.noteTools(upstream.name, admitted);
    return admitted;
  }

  /** Reviews what a (re)connected server says about itself: its identity and its instructions. */
  connected(upstream: Upstream): void {
    this.quarantine.reviewIdentity(upstream.name, identityOf(upstream));
    this.quarantine.reviewInstructions(upstream.name, upstream.instructions);
    // A kind the server no longer offers at all is reviewed as empty: its pins are reported removed, and a signed
    // manifest that lists it sees the difference.
    for (const [kind, pinKind] of Object.entries(PIN_KIND) as [ListKind, PinKind | undefined][]) {
      if (pinKind && !isObject(upstream.capabilities[CAPABILITY[kind]]))
        this.quarantine.review(upstream.name, pinKind, []);
    }
  }

  /** The refusal for a tool or prompt name that is not routable because it is held back; undefined otherwise. */
  refusal(server: string, kind: 'tools' | 'prompts', name: string): RampartError | undefined {
    return this.quarantine.refusal(server, kind === 'tools' ? 'tool' : 'prompt', name);
  }

  /** Whether a TLS connection may use this key: only when keys are pinned on first use, and then only the approved one. */
  tlsKeyAllowed(upstream: Upstream, spki: string): boolean {
    const tls = 'url' in upstream.config ? upstream.config.tls : undefined;
    return !tofuEnabled(tls) || this.quarantine.tlsKeyAllowed(upstream.name, spki);
  }

  /** Refuses a read of a URI that only a held resource template serves (see Quarantine.templateRefusal). */
  templateRefusal(server: string, matches: (uriTemplate: string) => boolean): RampartError | undefined {
    return this.quarantine.templateRefusal(server, matches);
  }

  serverRefusal(server: string): RampartError | undefined {
    return this.quarantine.serverRefusal(server);
  }

  instructionsVisible(server: string): boolean {
    return this.quarantine.instructionsVisible(server);
  }
}

/**
 * Who the server says it is: `serverInfo.name`, and the key its TLS connection presented when that key is trusted on
 * first use (with `tls.pins` configured the pin list decides, and rotating between listed keys is no change).
 */
function identityOf(upstream: Upstream): ServerIdentity | undefined {
  const name = upstream.serverInfo?.['name'];
  if (typeof name !== 'string') return undefined;
  const spki = upstream.tlsSpki;
  const tls = 'url' in upstream.config ? upstream.config.tls : undefined;
  return spki && tofuEnabled(tls) ? { name, spki } : { name };
}
