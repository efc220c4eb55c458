// The JSON body of a webhook delivery: a Slack incoming-webhook message (`text` for the notification,
// `attachments` for the severity colour bar with Block Kit `blocks` inside), plus a `rampart` object carrying
// the whole alert for receivers that are not Slack. Slack ignores the extra key.
import { type Alert, type AlertSeverity, shown } from './alert.ts';

const COLOURS: Readonly<Record<AlertSeverity, string>> = {
  low: '#439FE0',
  medium: '#DAA038',
  high: '#E8590C',
  critical: '#A30000',
};

export interface SlackPayload {
  readonly text: string;
  readonly attachments: readonly {
    readonly color: string;
    readonly fallback: string;
    readonly blocks: readonly unknown[];
  }[];
  readonly rampart: { readonly version: 1; readonly alert: Alert };
}

/** The webhook body of an alert. */
export function slackPayload(alert: Alert): SlackPayload {
  const who = `${shown(alert.principal ?? 'anonymous')}${alert.agent === undefined ? '' : ` (${shown(alert.agent)})`}`;
  const text = esc(`[${alert.severity.toUpperCase()}] ${alert.rule}: ${alert.message}, by ${who}`);
  const target = [alert.server, alert.name]
    .filter((part) => part !== undefined)
    .map(shown)
    .join(' ');
  const fields = [
    field('Principal', who),
    field('Severity', alert.severity),
    ...(target === '' ? [] : [field('Target', target)]),
    ...(alert.sessionId === undefined ? [] : [field('Session', shown(alert.sessionId))]),
  ];
  const context = `alert ${alert.id} · ${alert.time}${alert.suppressed > 0 ? ` · ${alert.suppressed} similar suppressed since the last one` : ''}`;
  return {
    text,
    attachments: [
      {
        color: COLOURS[alert.severity],
        fallback: text,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*${esc(alert.rule)}*\n${esc(alert.message)}` } },
          { type: 'section', fields },
          { type: 'context', elements: [{ type: 'mrkdwn', text: esc(context) }] },
        ],
      },
    ],
    rampart: { version: 1, alert },
  };
}

function field(title: string, value: string) {
  return { type: 'mrkdwn', text: `*${title}*\n${esc(value)}` };
}

/** Slack's required escaping: without it a principal or tool name could inject `<!channel>` or a link. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
