// anomaly.first_use: a principal+agent reaches a server, or a tool or prompt on a known server, it has never used.
// During the learning period uses are only recorded. Only calls that reached the server (allowed or errored)
// are uses: denied names may be anything a client makes up, and would both fill the table and alert on noise
// (denials have their own rule). Resource reads count for the server only: every new URI is not news.
// Several new tools on one server within the dedup window are one alert (the target is the server).
import type { AlertsConfig } from '../../../config/alerts-schema.ts';
import { type Finding, RULE_IDS, shown } from '../alert.ts';
import { BoundedLru } from '../lru.ts';
import { type CallObservation, keyPart } from '../observation.ts';

type FirstUseConfig = AlertsConfig['rules']['firstUse'];

/** Servers and tools used, least recently used forgotten first (a forgotten one is "new" again). */
export type FirstUseState = BoundedLru<string, true>;

const NAMED_METHODS = new Set(['tools/call', 'prompts/get']);

export function newFirstUseState(maxTargets: number): FirstUseState {
  return new BoundedLru(maxTargets);
}

/** Records the server and tool of the call; reports the first use of either once learning is over. */
export function checkFirstUse(
  state: FirstUseState,
  obs: CallObservation,
  config: FirstUseConfig,
  learning: boolean,
): Finding | undefined {
  if (obs.decision === 'denied' || obs.server === undefined) return undefined;
  const server = keyPart(obs.server);
  const newServer = remember(state, `s\u0000${server}`);
  const tool = NAMED_METHODS.has(obs.method) && obs.name !== undefined;
  // A new server's tools are all new: only the server is news.
  const newTool = tool && remember(state, `t\u0000${server}\u0000${obs.method}\u0000${keyPart(obs.name!)}`);
  if (learning || !(newServer || newTool)) return undefined;
  const what = obs.method === 'prompts/get' ? 'prompt' : 'tool';
  return {
    rule: RULE_IDS.firstUse,
    severity: newServer ? config.serverSeverity : config.toolSeverity,
    message: newServer
      ? `first use of server ${shown(obs.server)} (${obs.method}${obs.name === undefined ? '' : ` ${shown(obs.name)}`})`
      : `first use of ${what} ${shown(obs.name)} on server ${shown(obs.server)}`,
    evidence: {
      kind: newServer ? 'server' : what,
      server: obs.server,
      method: obs.method,
      ...(obs.name === undefined ? {} : { name: shown(obs.name) }),
    },
    target: server,
  };
}

/** Marks `key` as used; true when it was not known. */
function remember(state: FirstUseState, key: string): boolean {
  if (state.get(key) !== undefined) return false;
  state.set(key, true);
  return true;
}
