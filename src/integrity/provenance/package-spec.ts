// The one package form Rampart runs: `npm:<name>@<exact version>`. Anything that can move after it was pinned (a
// tag such as `latest`, a range, a git ref, a file or a URL) is refused, because the integrity pin would then
// describe a different tarball than the one the name resolves to tomorrow.

/** A registry package at one exact version. */
export interface PackageSpec {
  readonly name: string;
  readonly version: string;
}

// npm's own rule for new package names (validate-npm-package-name): lower case, URL-safe, optionally scoped.
const NAME = /^(?:@[a-z0-9-*~][a-z0-9-*._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const MAX_NAME_LENGTH = 214;
// Semantic Versioning 2.0.0 without build metadata (npm drops `+build`, so it cannot select a tarball).
const VERSION =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
const RANGE = /[\^~<>=*|\s]|^[vV=]|(^|\.)[xX](\.|$)/;

/** The reason `spec` is not an exact npm package spec, or undefined when it is one. */
export function packageSpecProblem(spec: string): string | undefined {
  try {
    parsePackageSpec(spec);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Parses `npm:<name>@<version>`; throws an Error whose message says what is wrong (safe to show). */
export function parsePackageSpec(spec: string): PackageSpec {
  if (!spec.startsWith('npm:')) throw new Error(notRegistry(spec));
  const body = spec.slice('npm:'.length);
  const at = body.lastIndexOf('@');
  if (at <= 0) throw new Error('needs an exact version: npm:<name>@<version>, e.g. npm:is-number@7.0.0');
  const name = body.slice(0, at);
  const version = body.slice(at + 1);
  if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) {
    throw new Error(`"${name}" is not a valid npm package name`);
  }
  if (version === '') throw new Error('needs an exact version after "@", e.g. 1.2.3');
  if (version.includes('+')) throw new Error('build metadata ("+...") is not part of an npm version');
  if (!VERSION.test(version)) {
    if (VERSION.test(version.slice(1)) && /^[vV]/.test(version)) {
      throw new Error(`write the version without the leading "${version[0]}": ${version.slice(1)}`);
    }
    if (RANGE.test(version)) {
      throw new Error(`"${version}" is a version range; pin one exact version such as 1.2.3`);
    }
    if (/^[a-z][a-z0-9._-]*$/i.test(version)) {
      throw new Error(`"${version}" is a dist-tag that can move; pin one exact version such as 1.2.3`);
    }
    throw new Error(`"${version}" is not an exact semantic version such as 1.2.3`);
  }
  return { name, version };
}

/** The canonical spec text of a package. */
export function formatPackageSpec(spec: PackageSpec): string {
  return `npm:${spec.name}@${spec.version}`;
}

function notRegistry(spec: string): string {
  if (/^(git\+|git:|github:|gitlab:|bitbucket:|gist:)/.test(spec) || /\.git(#|$)/.test(spec)) {
    return 'git specs are not allowed: a git ref has no registry integrity to pin; use npm:<name>@<version>';
  }
  if (/^(https?|ftp):/i.test(spec)) {
    return 'URL specs are not allowed: use npm:<name>@<version> from an allowed registry';
  }
  if (/^(file:|link:|\.{0,2}\/|~\/)/.test(spec)) {
    return 'file and directory specs are not allowed: use npm:<name>@<version> from an allowed registry';
  }
  return 'must be npm:<name>@<version> (an exact version of a registry package)';
}
