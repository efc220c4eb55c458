// What verifying one npm package establishes, in a form the CLI prints, the runtime logs and the lead can show.

/** How much a finding matters: `high` is worth blocking on, `low` is context. */
export type FindingSeverity = 'low' | 'medium' | 'high';

/** Something worth knowing about a package that did not stop it (a stable `code`, a readable `message`). */
export interface PackageFinding {
  readonly code: string;
  readonly severity: FindingSeverity;
  readonly message: string;
}

/** What the build provenance says about where and how the tarball was made (all optional: predicates vary). */
export interface ProvenanceFacts {
  /** The in-toto predicate types that were verified (SLSA provenance, npm publish). */
  readonly predicateTypes: readonly string[];
  readonly builder?: string;
  readonly buildType?: string;
  /** The source repository the build ran from, e.g. https://github.com/org/repo. */
  readonly sourceRepository?: string;
  readonly sourceRef?: string;
  readonly sourceCommit?: string;
  /** The workflow (CI configuration) that ran the build. */
  readonly workflow?: string;
  /** The CI run that produced the tarball. */
  readonly invocation?: string;
  /** The Fulcio certificate's identity (subject alternative name) and OIDC issuer. */
  readonly signerIdentity?: string;
  readonly signerIssuer?: string;
  /** When the transparency log recorded the provenance (ISO 8601). */
  readonly loggedAt?: string;
}

/** The outcome of verifying one package version; a failed check throws instead of appearing here. */
export interface PackageVerification {
  readonly name: string;
  readonly version: string;
  /** The verified SRI integrity of the tarball (`sha512-...`): the pin. */
  readonly integrity: string;
  /** SHA-512 of the tarball in hex: the name of its cache entry. */
  readonly tarballSha512: string;
  readonly registry: string;
  readonly registrySignature: 'verified' | 'absent';
  /** Key ids of the registry keys whose signatures verified. */
  readonly signatureKeyIds: readonly string[];
  readonly provenance: 'verified' | 'absent';
  readonly facts: ProvenanceFacts;
  readonly findings: readonly PackageFinding[];
  /** When the package was published, as the registry says (ISO 8601), if it says. */
  readonly publishedAt?: string;
  /** When Rampart verified it (ISO 8601). */
  readonly verifiedAt: string;
}
