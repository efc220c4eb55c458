// The shape of one compiled secret rule (see gitleaks-rules.ts, generated from gitleaks' config).

export interface SecretAllow {
  /** What the allowlist regexes test: the secret, the whole match, or the line. */
  readonly target: string;
  readonly regexes: readonly RegExp[];
  /** A secret containing one of these (lower-cased) is not reported. */
  readonly stopwords: readonly string[];
}

export interface SecretRule {
  readonly id: string;
  /** Global regex; the secret is `secretGroup`, else the first non-empty group, else the whole match. */
  readonly re: RegExp;
  /** Lower-case words one of which must occur in the text before the regex runs (empty: always run). */
  readonly keywords: readonly string[];
  /** Minimum Shannon entropy (bits per character) of the secret. */
  readonly entropy?: number;
  readonly secretGroup?: number;
  readonly allow?: readonly SecretAllow[];
}
