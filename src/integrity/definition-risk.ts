// The metadata detectors' verdict on each definition a server serves, kept per server so that policies can read it
// (`resource.risk`, 0-100) and the quarantine can refuse to trust a poisoned definition on first use. Scores are
// cached by contract hash: a list re-fetched unchanged costs no detector run.
import { contractHash } from './pins.ts';

/** A detector's verdict on one definition; `otherNames` are the other tools of the session (look-alike names). */
export type Assess = (
  definition: unknown,
  otherNames: readonly string[],
) => { score: number; rules: readonly string[] };

const MAX_CACHED = 10_000;

export class DefinitionRisk {
  private readonly assess: Assess;
  private readonly cache = new Map<string, { score: number; rules: readonly string[] }>();
  /** server -> tool name -> risk (0-100). */
  private readonly risks = new Map<string, Map<string, number>>();

  constructor(assess: Assess) {
    this.assess = assess;
  }

  /** The verdict on one definition (cached by its contract and the names it was judged against). */
  verdict(definition: unknown, otherNames: readonly string[]): { score: number; rules: readonly string[] } {
    const key = `${contractHash(definition)}\u0000${otherNames.join('\u0000')}`;
    let verdict = this.cache.get(key);
    if (!verdict) {
      verdict = this.assess(definition, otherNames);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(key, verdict);
    }
    return verdict;
  }

  /** Records the risk of every tool a server now serves (as policies will see it). */
  noteTools(server: string, tools: readonly Record<string, unknown>[]): void {
    const names = tools.map((t) => String(t['name']));
    const risks = new Map<string, number>();
    for (const tool of tools) {
      const name = String(tool['name']);
      risks.set(
        name,
        Math.round(
          this.verdict(
            tool,
            names.filter((n) => n !== name),
          ).score * 100,
        ),
      );
    }
    this.risks.set(server, risks);
  }

  /** A tool's risk as policies read it: 0 (nothing found) to 100. */
  riskOf(server: string, toolName: string): number {
    return this.risks.get(server)?.get(toolName) ?? 0;
  }
}
