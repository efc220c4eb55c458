// Configuration of a server's signed manifest (src/integrity/manifest), meant for a server entry's `manifest:`
// key. A manifest is only trusted through a fully configured route: an Ed25519 signature with the publisher's
// keys, or a Sigstore bundle with a trusted root and the identities allowed to sign. Paths are relative to the
// config file's directory.
import { z } from 'zod';

const path = (what: string) => z.string().min(1).describe(what);

const identitySchema = z
  .strictObject({
    issuer: z
      .string()
      .min(1)
      .describe(
        'OIDC issuer that must have vouched for the signer, compared exactly (e.g. `https://token.actions.githubusercontent.com`, `https://accounts.google.com`).',
      ),
    subject: z
      .string()
      .min(1)
      .optional()
      .describe('Exact subject the certificate must name (its email or URI SAN).'),
    subjectRegex: z
      .string()
      .min(1)
      .refine(isRegex, 'not a valid regular expression')
      .optional()
      .describe(
        'Regular expression the whole subject must match (anchored at both ends), e.g. `https://github\\.com/acme/tools/\\.github/workflows/release\\.yml@refs/tags/v.*`.',
      ),
  })
  .refine((identity) => (identity.subject === undefined) !== (identity.subjectRegex === undefined), {
    message: 'give exactly one of `subject` and `subjectRegex`',
  })
  .describe('One trusted Sigstore signer: the OIDC issuer and the subject it certified.');

export const manifestSchema = z
  .strictObject({
    file: path('The manifest JSON (`rampart manifest build`) listing what the server may serve.'),
    signature: path(
      'Detached Ed25519 signature over the manifest file (`rampart manifest sign`); needs `publisherKeys`.',
    ).optional(),
    publisherKeys: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "The publisher's Ed25519 public keys (SPKI PEM files); the signature must verify under one of them.",
      ),
    bundle: path(
      'Sigstore bundle (v0.1 to v0.3, message signature over the manifest file); needs `trustedRoot` and `identities`.',
    ).optional(),
    trustedRoot: path(
      'Sigstore trusted root JSON (certificate authorities, transparency logs, CT logs) the bundle is verified against; read from this file only, never fetched.',
    ).optional(),
    identities: z
      .array(identitySchema)
      .min(1)
      .optional()
      .describe('Sigstore signers allowed to sign the manifest; the certificate must match one.'),
  })
  .superRefine((m, ctx) => {
    const problem = (key: string, message: string) => ctx.addIssue({ code: 'custom', path: [key], message });
    const ed25519 = m.signature !== undefined || m.publisherKeys !== undefined;
    const sigstore = m.bundle !== undefined || m.trustedRoot !== undefined || m.identities !== undefined;
    if (!ed25519 && !sigstore) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          'configure how the manifest is verified: `signature` with `publisherKeys` (Ed25519), or `bundle` with `trustedRoot` and `identities` (Sigstore)',
      });
    }
    if (ed25519 && m.signature === undefined)
      problem('signature', '`publisherKeys` need `signature` (the .sig file)');
    if (ed25519 && m.publisherKeys === undefined) {
      problem(
        'publisherKeys',
        "`signature` needs `publisherKeys` (the publisher's public keys) to be checked",
      );
    }
    if (sigstore && m.bundle === undefined) problem('bundle', '`trustedRoot` and `identities` need `bundle`');
    if (sigstore && m.trustedRoot === undefined) {
      problem('trustedRoot', '`bundle` needs `trustedRoot` (the Sigstore trusted root file)');
    }
    if (sigstore && m.identities === undefined) {
      problem('identities', '`bundle` needs `identities` (who may sign the manifest)');
    }
  })
  .describe(
    'A signed manifest of what the server serves. Rampart verifies it at startup (every configured route must verify) and blocks the server (RAMPART_SERVER_MANIFEST_MISMATCH) while what it serves differs from the manifest.',
  );

export type ManifestConfig = z.infer<typeof manifestSchema>;
export type ManifestIdentityConfig = z.infer<typeof identitySchema>;

function isRegex(source: string): boolean {
  try {
    new RegExp(`^(?:${source})$`, 'u');
    return true;
  } catch {
    return false;
  }
}
