// Verifies `dist.attestations`: every Sigstore bundle in the registry's attestations document (the SLSA build
// provenance, signed with a Fulcio certificate, and the npm publish attestation, signed with the registry's key)
// against the pinned trust material, and checks that each in-toto statement names this package version and the
// very tarball that was downloaded (its SHA-512).
import { type Bundle, bundleFromJSON } from '@sigstore/bundle';
import { type TrustMaterial, toSignedEntity, Verifier } from '@sigstore/verify';
import { z } from 'zod';
import { RampartError } from '../../errors.ts';
import type { PackageSpec } from './package-spec.ts';
import { NPM_PUBLISH_PREDICATE, SLSA_PROVENANCE_PREFIX, slsaFacts } from './provenance-facts.ts';
import { registryGetJson } from './registry-http.ts';
import type { ProvenanceFacts } from './types.ts';

const MAX_ATTESTATIONS_BYTES = 4 * 1024 * 1024;

const attestationsDocument = z.looseObject({
  attestations: z.array(z.looseObject({ predicateType: z.string(), bundle: z.unknown() })).min(1),
});

const statement = z.looseObject({
  _type: z.string(),
  subject: z.array(z.looseObject({ name: z.string(), digest: z.record(z.string(), z.string()) })).min(1),
  predicateType: z.string(),
  predicate: z.unknown(),
});

/** Fetches the attestations document from an allowed registry. */
export function fetchAttestations(
  url: string,
  registries: readonly string[],
  what: string,
): Promise<unknown> {
  return registryGetJson(url, {
    registries,
    accept: 'application/json',
    maxBytes: MAX_ATTESTATIONS_BYTES,
    what: `the attestations of ${what}`,
  });
}

/** The package URL npm attestations name: `pkg:npm/<name>@<version>` with a scope's "@" percent-encoded. */
export function purlOf(spec: PackageSpec): string {
  return `pkg:npm/${spec.name.replace(/^@/, '%40')}@${spec.version}`;
}

/**
 * Verifies every attestation in `document`; returns the provenance facts. Throws RAMPART_PACKAGE_PROVENANCE when
 * any bundle fails, a statement names another package or tarball, or no SLSA provenance is among them.
 */
export function verifyAttestations(
  document: unknown,
  spec: PackageSpec,
  tarballSha512Hex: string,
  trust: TrustMaterial,
): ProvenanceFacts {
  const label = `${spec.name}@${spec.version}`;
  const parsed = attestationsDocument.safeParse(document);
  if (!parsed.success) throw fail(`the attestations document of ${label} is malformed`);
  const verifier = new Verifier(trust);
  const predicateTypes: string[] = [];
  let facts: Omit<ProvenanceFacts, 'predicateTypes'> = {};
  for (const attestation of parsed.data.attestations) {
    const type = attestation.predicateType;
    const bundle = parseBundle(attestation.bundle, label, type);
    const keyed = bundle.verificationMaterial.content.$case === 'publicKey';
    // The publish attestation is the registry's own statement (its key); provenance must come from a CI identity.
    if (type === NPM_PUBLISH_PREDICATE ? !keyed : keyed) {
      throw fail(`the ${type} attestation of ${label} is signed with the wrong kind of key`);
    }
    let identity: { subjectAlternativeName?: string; extensions?: { issuer?: string } } | undefined;
    try {
      identity = verifier.verify(toSignedEntity(bundle)).identity;
    } catch (err) {
      throw fail(`the ${type} attestation of ${label} failed verification: ${reason(err)}`);
    }
    const content = checkStatement(bundle, type, spec, tarballSha512Hex, label);
    predicateTypes.push(type);
    if (type.startsWith(SLSA_PROVENANCE_PREFIX)) {
      const logged = bundle.verificationMaterial.tlogEntries[0]?.integratedTime;
      const stated = slsaFacts(type, content.predicate);
      checkSourceMatchesSigner(stated.sourceRepository, identity?.subjectAlternativeName, label);
      facts = {
        ...facts,
        ...stated,
        ...(identity?.subjectAlternativeName ? { signerIdentity: identity.subjectAlternativeName } : {}),
        ...(identity?.extensions?.issuer ? { signerIssuer: identity.extensions.issuer } : {}),
        ...(logged ? { loggedAt: new Date(Number(logged) * 1000).toISOString() } : {}),
      };
    }
  }
  if (!predicateTypes.some((t) => t.startsWith(SLSA_PROVENANCE_PREFIX))) {
    throw fail(`the attestations of ${label} hold no SLSA build provenance`);
  }
  return { predicateTypes, ...facts };
}

/**
 * The predicate's source repository is the workflow's own claim; the certificate's identity (the CI workflow URI
 * Fulcio bound to the OIDC token) is what was proven. A provenance naming a repository other than the one its
 * certificate was issued to is refused.
 */
export function checkSourceMatchesSigner(
  repository: string | undefined,
  signer: string | undefined,
  label: string,
): void {
  if (!repository || !signer) return;
  const base = repository.replace(/\.git$/, '').replace(/\/+$/, '');
  if (!signer.startsWith(`${base}/`)) {
    throw fail(`the provenance of ${label} names ${base}, but its certificate was issued to ${signer}`);
  }
}

function parseBundle(json: unknown, label: string, type: string): Bundle {
  try {
    return bundleFromJSON(json);
  } catch (err) {
    throw fail(`the ${type} attestation of ${label} is not a valid Sigstore bundle: ${reason(err)}`);
  }
}

/** The verified statement: its type matches the attestation's and its subject is this tarball. */
function checkStatement(bundle: Bundle, type: string, spec: PackageSpec, sha512Hex: string, label: string) {
  if (bundle.content.$case !== 'dsseEnvelope')
    throw fail(`the ${type} attestation of ${label} is not a DSSE envelope`);
  let json: unknown;
  try {
    json = JSON.parse(bundle.content.dsseEnvelope.payload.toString('utf8'));
  } catch {
    throw fail(`the ${type} attestation of ${label} does not carry a JSON statement`);
  }
  const parsed = statement.safeParse(json);
  if (!parsed.success) throw fail(`the ${type} attestation of ${label} is not an in-toto statement`);
  if (parsed.data.predicateType !== type) {
    throw fail(
      `the ${type} attestation of ${label} states a different predicate (${parsed.data.predicateType})`,
    );
  }
  const purl = purlOf(spec);
  const subject = parsed.data.subject.find((s) => safeDecode(s.name) === safeDecode(purl));
  if (!subject) throw fail(`the ${type} attestation is about another package, not ${purl}`);
  if (subject.digest['sha512']?.toLowerCase() !== sha512Hex) {
    throw fail(`the ${type} attestation of ${label} is about another tarball (sha512 differs)`);
  }
  return parsed.data;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function fail(message: string): RampartError {
  return new RampartError('RAMPART_PACKAGE_PROVENANCE', message);
}
