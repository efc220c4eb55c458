// One JSON shape for an approval request, shared by the admin API and `rampart approvals list --json`.
import { type ApprovalRecord, effectiveStatus } from './approval-store.ts';

/** The approval as shown to operators: ISO times, null for absent fields, `expired` once past its deadline. */
export function approvalView(record: ApprovalRecord, now: number): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    id: record.id,
    status: effectiveStatus(record, now),
    mode: record.mode,
    createdAt: iso(record.createdAt),
    expiresAt: iso(record.expiresAt),
    requester: record.requester ?? null,
    session: record.session ?? null,
    server: record.server,
    method: record.method,
    name: record.name,
    arguments: record.arguments,
    argumentsSha256: record.argumentsSha256,
    policies: record.policies,
    reason: record.reason,
    decidedAt: iso(record.decidedAt),
    approver: record.approver ?? null,
    decisionReason: record.decisionReason ?? null,
    channel: record.channel ?? null,
  };
}
