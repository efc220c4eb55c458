// Reads where and how a package was built out of a verified in-toto statement. The SLSA predicate shape differs by
// version (v0.2 `builder`/`invocation`/`materials`, v1 `buildDefinition`/`runDetails`); a fact the predicate does
// not carry is simply absent.
import type { ProvenanceFacts } from './types.ts';

export const SLSA_PROVENANCE_PREFIX = 'https://slsa.dev/provenance/';
export const NPM_PUBLISH_PREDICATE = 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1';

type Facts = { -readonly [K in keyof ProvenanceFacts]?: ProvenanceFacts[K] };

/** The facts an SLSA provenance predicate states (v0.2 or v1). */
export function slsaFacts(
  predicateType: string,
  predicate: unknown,
): Omit<ProvenanceFacts, 'predicateTypes'> {
  const facts: Facts = {};
  const p = record(predicate);
  if (predicateType === `${SLSA_PROVENANCE_PREFIX}v0.2`) {
    facts.builder = text(record(p['builder'])['id']);
    facts.buildType = text(p['buildType']);
    const source = record(record(p['invocation'])['configSource']);
    const uri = text(source['uri']);
    if (uri) {
      const [repo, ref] = splitAt(uri.replace(/^git\+/, ''));
      facts.sourceRepository = repo;
      facts.sourceRef = ref;
    }
    facts.sourceCommit = text(record(source['digest'])['sha1']);
    facts.workflow = text(source['entryPoint']);
    const env = record(record(p['invocation'])['environment']);
    const runId = text(env['GITHUB_RUN_ID']);
    const repo = text(env['GITHUB_REPOSITORY']);
    if (runId && repo) facts.invocation = `https://github.com/${repo}/actions/runs/${runId}`;
  } else {
    const definition = record(p['buildDefinition']);
    facts.buildType = text(definition['buildType']);
    const workflow = record(record(definition['externalParameters'])['workflow']);
    facts.sourceRepository = text(workflow['repository']);
    facts.sourceRef = text(workflow['ref']);
    facts.workflow = text(workflow['path']);
    const resolved = Array.isArray(definition['resolvedDependencies'])
      ? definition['resolvedDependencies']
      : [];
    const first = record(resolved[0]);
    facts.sourceCommit = text(record(first['digest'])['gitCommit']);
    if (!facts.sourceRepository)
      facts.sourceRepository = splitAt(text(first['uri'])?.replace(/^git\+/, '') ?? '')[0];
    const run = record(p['runDetails']);
    facts.builder = text(record(run['builder'])['id']);
    facts.invocation = text(record(run['metadata'])['invocationId']);
  }
  return dropEmpty(facts);
}

function splitAt(uri: string): [string | undefined, string | undefined] {
  if (uri === '') return [undefined, undefined];
  const at = uri.lastIndexOf('@');
  return at > uri.indexOf('://') + 3 ? [uri.slice(0, at), uri.slice(at + 1)] : [uri, undefined];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function dropEmpty(facts: Facts): Facts {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as Facts;
}
