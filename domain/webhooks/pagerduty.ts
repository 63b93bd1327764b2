import * as z from 'zod';
import type { Severity } from '../events/native-events.ts';
import {
  DEFAULT_ENVIRONMENT,
  ignored,
  originOf,
  parsePayload,
  type WebhookDelivery,
  type WebhookMapping,
  webhookEvent,
} from './webhook-event.ts';

/**
 * PagerDuty v3 webhooks (https://developer.pagerduty.com/docs/webhooks/v3-overview) → native events.
 * Service = the PagerDuty service's name; PagerDuty knows no environments, so every incident is in the
 * tenant's configured environment (default `production`). Pure.
 */

const text = z.string().trim().min(1);

const PagerDutyEnvelopeSchema = z.looseObject({
  event: z.looseObject({ event_type: text, occurred_at: z.iso.datetime({ offset: true }) }),
});

const IncidentEventSchema = z.looseObject({
  event: z.looseObject({
    occurred_at: z.iso.datetime({ offset: true }),
    data: z.looseObject({
      id: text,
      title: z.string().nullish(),
      html_url: z.string().nullish(),
      urgency: z.string().nullish(),
      service: z.looseObject({ summary: text }),
      priority: z.looseObject({ summary: z.string().nullish() }).nullish(),
    }),
  }),
});

export interface PagerDutyOptions {
  /** The environment incidents are opened in. @default 'production' */
  readonly environment?: string | undefined;
}

/** `event.occurred_at`, the only signed time any of the three providers send; undefined when absent. */
export function pagerDutyOccurredAt(body: unknown): string | undefined {
  const parsed = PagerDutyEnvelopeSchema.safeParse(body);
  return parsed.success ? parsed.data.event.occurred_at : undefined;
}

/** Maps one PagerDuty delivery; `delivery.kind` is the body's `event.event_type`. */
export function mapPagerDutyWebhook(
  delivery: WebhookDelivery,
  options: PagerDutyOptions = {},
): WebhookMapping {
  switch (delivery.kind) {
    case 'pagey.ping':
      return ignored('ping: the subscription reached the ledger and its signature is valid');
    case 'incident.triggered':
      return mapIncident(delivery, 'incident.opened', options);
    case 'incident.resolved':
      return mapIncident(delivery, 'incident.resolved', options);
    default:
      return ignored(
        `PagerDuty '${delivery.kind}' events are not recorded; only incident.triggered and resolved`,
      );
  }
}

function mapIncident(
  delivery: WebhookDelivery,
  type: 'incident.opened' | 'incident.resolved',
  options: PagerDutyOptions,
): WebhookMapping {
  const payload = parsePayload(IncidentEventSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const { occurred_at: occurredAt, data: incident } = payload.value.event;
  const incidentId = `pagerduty-${incident.id}`;
  const common = {
    source: originOf(incident.html_url) ?? 'https://pagerduty.com',
    // The incident's id and transition, not the event id: a second subscription on the same account
    // delivers the same transition under another event id and must not open the incident twice.
    id: `incident/${incident.id}/${type === 'incident.opened' ? 'opened' : 'resolved'}`,
    type,
    occurredAt,
  } as const;
  if (type === 'incident.resolved') return webhookEvent(delivery, { ...common, data: { incidentId } });
  return webhookEvent(delivery, {
    ...common,
    data: {
      incidentId,
      service: incident.service.summary,
      environment: options.environment ?? DEFAULT_ENVIRONMENT,
      severity: severityOf(incident.priority?.summary, incident.urgency),
      title: incident.title,
      url: incident.html_url,
      priority: incident.priority?.summary,
      urgency: incident.urgency,
    },
  });
}

/**
 * Priority when the account uses priorities (P1→sev1 … P4 and P5→sev4), else urgency (high→sev2, low→sev3):
 * urgency says how fast to respond, not how bad it is, so it never reaches sev1 on its own.
 */
export function severityOf(
  priority: string | null | undefined,
  urgency: string | null | undefined,
): Severity {
  const level = /^P([1-5])$/i.exec(priority?.trim() ?? '')?.[1];
  if (level === '1') return 'sev1';
  if (level === '2') return 'sev2';
  if (level === '3') return 'sev3';
  if (level === '4' || level === '5') return 'sev4';
  return urgency === 'high' ? 'sev2' : 'sev3';
}
