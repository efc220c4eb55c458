// `rampart scan` output: a table for people, JSON for scripts, SARIF 2.1.0 for code-scanning dashboards (GitHub
// code scanning and others read it). The exit code gates CI: 1 when any item reaches the threat threshold.

import { printable, table } from '../cli/terminal-text.ts';
import type { Finding, Severity } from '../detect/finding.ts';
import type { ScanItem, ScanResult } from './assess.ts';

const SARIF_LEVEL: Record<Severity, 'none' | 'note' | 'warning' | 'error'> = {
  info: 'note',
  low: 'note',
  medium: 'warning',
  high: 'error',
  critical: 'error',
};

/** True when an item is a threat: it reaches the threshold or one finding is high or critical. */
export function isThreat(item: ScanItem, threshold: number): boolean {
  return (
    item.score >= threshold || item.findings.some((f) => f.severity === 'high' || f.severity === 'critical')
  );
}

/** One row per server status and per item with findings. */
export function renderTable(results: readonly ScanResult[], threshold: number): string {
  const rows: string[][] = [];
  for (const r of results) {
    const where = `${r.target.client}:${r.target.name}`;
    if (r.status !== 'ok') {
      rows.push([where, 'server', '-', '-', r.status, r.error ?? '']);
      continue;
    }
    const flagged = r.items.filter((i) => i.findings.length > 0);
    if (flagged.length === 0)
      rows.push([where, 'server', '-', '0.00', 'ok', `${r.items.length} items, nothing found`]);
    for (const item of flagged) {
      rows.push([
        where,
        item.kind,
        item.name,
        item.score.toFixed(2),
        isThreat(item, threshold) ? 'THREAT' : 'note',
        summary(item.findings),
      ]);
    }
  }
  return table(['SERVER', 'KIND', 'NAME', 'SCORE', 'VERDICT', 'FINDINGS'], rows);
}

function summary(findings: readonly Finding[]): string {
  return findings
    .slice(0, 4)
    .map((f) => `${f.rule} (${f.severity}): ${printable(f.evidence).slice(0, 80)}`)
    .join('; ');
}

/** The machine-readable report. */
export function renderJson(results: readonly ScanResult[], threshold: number): string {
  return `${JSON.stringify(
    {
      threshold,
      servers: results.map((r) => ({
        client: r.target.client,
        file: r.target.file,
        name: r.target.name,
        status: r.status,
        ...(r.error ? { error: r.error } : {}),
        items: r.items.map((i) => ({ ...i, threat: isThreat(i, threshold) })),
      })),
    },
    null,
    2,
  )}\n`;
}

/** SARIF 2.1.0: one result per finding, located at the client config file that adds the server. */
export function renderSarif(results: readonly ScanResult[], version: string): string {
  const rules = new Map<string, Severity>();
  const sarifResults: unknown[] = [];
  for (const r of results) {
    for (const item of r.items) {
      for (const f of item.findings) {
        if (!rules.has(f.rule)) rules.set(f.rule, f.severity);
        sarifResults.push({
          ruleId: f.rule,
          level: SARIF_LEVEL[f.severity],
          message: { text: `${r.target.name} ${item.kind} ${item.name}: ${f.evidence}` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: r.target.file } },
              logicalLocations: [
                { name: item.name, fullyQualifiedName: `${r.target.name}/${item.kind}/${item.name}` },
              ],
            },
          ],
          properties: { score: item.score, client: r.target.client, server: r.target.name },
        });
      }
    }
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rampart-scan',
            version,
            rules: [...rules].map(([id, severity]) => ({
              id,
              defaultConfiguration: { level: SARIF_LEVEL[severity] },
              shortDescription: { text: id },
            })),
          },
        },
        results: sarifResults,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
