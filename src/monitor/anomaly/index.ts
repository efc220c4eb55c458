// The anomaly-alert module's public surface, for the runtime and the CLI.
export {
  type Alert,
  type AlertSeverity,
  type Finding,
  RULE_IDS,
  type RuleId,
  severityAtLeast,
} from './alert.ts';
export { alertAuditInput } from './audit-input.ts';
export { type CallClassifier, callClassifier } from './call-class.ts';
export { AnomalyDetector, type AnomalyDetectorOptions } from './detector.ts';
export type { CallObservation, PrincipalRef } from './observation.ts';
export { type SlackPayload, slackPayload } from './slack-payload.ts';
export {
  WebhookNotifier,
  type WebhookNotifierOptions,
  type WebhookStats,
  webhookNotifierFromConfig,
} from './webhook.ts';
export {
  SIGNATURE_HEADER,
  signWebhookBody,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from './webhook-signature.ts';
