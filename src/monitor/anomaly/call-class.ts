// Which calls `anomaly.risky_sequence` treats as private-data reads and which as sending data out. The two
// classes come from the operator's matchers first, then from what the catalog says about a tool:
//
//   private-data read  an *allowed* call that
//                        - matches a `privateRead` matcher, or
//                        - is on a `privateServers` server and reads: `resources/read`, `prompts/get`, or a
//                          `tools/call` of a tool annotated `readOnlyHint: true`.
//                      (A denied read returned nothing; an errored one may have, but counting it would let
//                      upstream failures raise alerts, so it does not.)
//   sends data out     a call that was not denied (an errored call may already have sent) and
//                        - matches a `sendsOut` matcher, or
//                        - with `openWorldSendsOut`, is a `tools/call` of a tool annotated `openWorldHint: true`
//                          (it talks to the world outside the server: web, mail, chat, other tenants).
//
// Annotations are the upstream's own hints, not guarantees: an operator who does not trust a server's hints
// names its tools in the matchers instead.
import type { AlertMatcher, AlertsConfig } from '../../config/alerts-schema.ts';
import { globMatch } from './glob.ts';
import type { CallObservation } from './observation.ts';

type RiskyConfig = AlertsConfig['rules']['riskySequence'];

export interface CallClassifier {
  privateRead(obs: CallObservation): boolean;
  sendsOut(obs: CallObservation): boolean;
}

/** Builds the classifier of a risky-sequence config; `separator` splits `<namespace><sep><tool>` names. */
export function callClassifier(config: RiskyConfig, separator = '__'): CallClassifier {
  const matches = (m: AlertMatcher, obs: CallObservation): boolean => {
    if (m.server !== undefined && (obs.server === undefined || !globMatch(m.server, obs.server)))
      return false;
    if (m.tool === undefined) return true;
    if (obs.name === undefined) return false;
    if (globMatch(m.tool, obs.name)) return true;
    // The exposed name carries the server's namespace; a matcher may name the upstream's own tool instead.
    const at = obs.name.indexOf(separator);
    return at >= 0 && globMatch(m.tool, obs.name.slice(at + separator.length));
  };
  const anyMatch = (list: readonly AlertMatcher[], obs: CallObservation) => list.some((m) => matches(m, obs));
  const onPrivateServer = (obs: CallObservation) =>
    obs.server !== undefined && config.privateServers.some((glob) => globMatch(glob, obs.server!));
  const reads = (obs: CallObservation) =>
    obs.method === 'resources/read' ||
    obs.method === 'prompts/get' ||
    (obs.method === 'tools/call' && obs.annotations?.readOnlyHint === true);

  return {
    privateRead: (obs) =>
      obs.decision === 'allowed' &&
      (anyMatch(config.privateRead, obs) || (onPrivateServer(obs) && reads(obs))),
    sendsOut: (obs) =>
      obs.decision !== 'denied' &&
      (anyMatch(config.sendsOut, obs) ||
        (config.openWorldSendsOut && obs.method === 'tools/call' && obs.annotations?.openWorldHint === true)),
  };
}
