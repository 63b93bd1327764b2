import * as z from 'zod';
import type { IncomingEvent } from '../ledger/ledger-event.ts';
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
 * Prometheus Alertmanager webhooks (`webhook_config`, payload version 4) → `alert.fired`/`alert.resolved`.
 * Each alert is keyed by its fingerprint and `startsAt`: Alertmanager repeats a group on every
 * `repeat_interval` and after restarts, so one firing is one ledger event however often it arrives. Pure.
 */

const text = z.string().trim().min(1);
const labels = z.record(z.string(), z.string());

const AlertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4'),
  externalURL: z.string().nullish(),
  alerts: z.array(
    z.looseObject({
      status: z.enum(['firing', 'resolved']),
      labels,
      annotations: labels.nullish(),
      startsAt: z.iso.datetime({ offset: true }),
      endsAt: z.string().nullish(),
      generatorURL: z.string().nullish(),
      fingerprint: text,
    }),
  ),
});

export interface AlertmanagerOptions {
  /** The label naming the service. @default 'service' */
  readonly serviceLabel?: string | undefined;
  /** The label naming the environment. @default 'environment' */
  readonly environmentLabel?: string | undefined;
  /** The environment of alerts without the environment label. @default 'production' */
  readonly environment?: string | undefined;
}

/** The alerts of one delivery; alerts without the service label are left out, and if all are, it is ignored. */
export function mapAlertmanagerWebhook(
  delivery: WebhookDelivery,
  options: AlertmanagerOptions = {},
): WebhookMapping {
  const payload = parsePayload(AlertmanagerPayloadSchema, delivery.body);
  if (!payload.ok) return payload.mapping;
  const serviceLabel = options.serviceLabel ?? 'service';
  const environmentLabel = options.environmentLabel ?? 'environment';
  const events: IncomingEvent[] = [];
  const reasons: string[] = [];
  for (const [index, alert] of payload.value.alerts.entries()) {
    const service = alert.labels[serviceLabel]?.trim();
    if (!service) {
      reasons.push(`alerts[${index}] (${alert.fingerprint}) has no '${serviceLabel}' label`);
      continue;
    }
    const type = alert.status === 'firing' ? 'alert.fired' : 'alert.resolved';
    const mapping = webhookEvent(delivery, {
      source: originOf(payload.value.externalURL) ?? 'https://alertmanager.invalid',
      id: `alert/${alert.fingerprint}/${alert.startsAt}/${alert.status}`,
      type,
      occurredAt: alert.status === 'resolved' && alert.endsAt ? alert.endsAt : alert.startsAt,
      data: {
        alertId: alert.fingerprint,
        name: alert.labels.alertname ?? alert.fingerprint,
        service,
        environment: alert.labels[environmentLabel]?.trim() || (options.environment ?? DEFAULT_ENVIRONMENT),
        severity: alert.labels.severity,
        startsAt: alert.startsAt,
        labels: alert.labels,
        annotations: alert.annotations,
        generatorURL: alert.generatorURL,
      },
    });
    if (mapping.outcome === 'invalid')
      return {
        outcome: 'invalid',
        issues: mapping.issues.map((i) => ({ ...i, path: ['alerts', index, ...i.path] })),
      };
    if (mapping.outcome === 'events') events.push(...mapping.events);
  }
  if (events.length === 0)
    return ignored(reasons.length > 0 ? reasons.join('; ') : 'the delivery has no alerts');
  return { outcome: 'events', events };
}
