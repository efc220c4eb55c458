// The quarantine as the gateway asks for it: which fetched items it may use, whether a server is held back as a
// whole, which error a call to a held-back definition gets, and whether a server's instructions may be shown.
import type { ListKind } from '../core/catalog.ts';
import type { JsonObject } from '../core/jsonrpc.ts';
import type { RampartError } from '../errors.ts';
import type { Upstream } from '../upstream/upstream.ts';
import type { PinKind, ServerIdentity } from './pins.ts';
import type { Quarantine } from './quarantine.ts';

const PIN_KIND: Record<ListKind, PinKind | undefined> = {
  tools: 'tool',
  prompts: 'prompt',
  resourceTemplates: 'resourceTemplate',
  resources: undefined, // concrete resources come and go; their templates and the server's identity are pinned
};

export class GatewayIntegrity {
  readonly quarantine: Quarantine;

  constructor(quarantine: Quarantine) {
    this.quarantine = quarantine;
  }

  /** The items of one fetched list the gateway may list and route to. */
  admit(upstream: Upstream, kind: ListKind, items: JsonObject[]): JsonObject[] {
    const pinKind = PIN_KIND[kind];
    if (pinKind === undefined) return this.quarantine.serverRefusal(upstream.name) ? [] : items;
    return this.quarantine.review(upstream.name, pinKind, items) as JsonObject[];
  }

  /** Reviews what a (re)connected server says about itself: its identity and its instructions. */
  connected(upstream: Upstream): void {
    this.quarantine.reviewIdentity(upstream.name, identityOf(upstream));
    this.quarantine.reviewInstructions(upstream.name, upstream.instructions);
  }

  /** The refusal for a tool or prompt name that is not routable because it is held back; undefined otherwise. */
  refusal(server: string, kind: 'tools' | 'prompts', name: string): RampartError | undefined {
    return this.quarantine.refusal(server, kind === 'tools' ? 'tool' : 'prompt', name);
  }

  serverRefusal(server: string): RampartError | undefined {
    return this.quarantine.serverRefusal(server);
  }

  instructionsVisible(server: string): boolean {
    return this.quarantine.instructionsVisible(server);
  }
}

/** Who the server says it is: `serverInfo.name`, and the key its TLS connection presented. */
function identityOf(upstream: Upstream): ServerIdentity | undefined {
  const name = upstream.serverInfo?.['name'];
  if (typeof name !== 'string') return undefined;
  const spki = (upstream as { tlsSpki?: string | undefined }).tlsSpki;
  return spki ? { name, spki } : { name };
}
