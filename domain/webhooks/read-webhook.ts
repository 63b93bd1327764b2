import type { FieldIssue } from '../ingest/field-issues.ts';
import type { IncomingEvent } from '../ledger/ledger-event.ts';
import { mapAlertmanagerWebhook } from './alertmanager.ts';
import { fluxKind, mapFluxWebhook } from './flux.ts';
import { mapGitHubWebhook } from './github.ts';
import { mapGitLabWebhook } from './gitlab.ts';
import { launchDarklyKind, mapLaunchDarklyWebhook } from './launchdarkly.ts';
import { mapPagerDutyWebhook, pagerDutyOccurredAt } from './pagerduty.ts';
import {
  isFresh,
  PAGERDUTY_FRESHNESS,
  verifyBearerToken,
  verifyFluxSignature,
  verifyGitHubSignature,
  verifyGitLabToken,
  verifyLaunchDarklySignature,
  verifyPagerDutySignature,
} from './signatures.ts';
import type { WebhookDelivery, WebhookMapping, WebhookProvider } from './webhook-event.ts';

/** A tenant's hook for one provider: the shared secret and, for PagerDuty, the incidents' environment. */
export interface WebhookConfig {
  readonly secret: string;
  readonly environment?: string | undefined;
  /** Alertmanager: the labels naming an alert's service and environment. */
  readonly serviceLabel?: string | undefined;
  readonly environmentLabel?: string | undefined;
}

export interface WebhookRequest {
  readonly provider: WebhookProvider;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body bytes exactly as received: signatures are computed over them. */
  readonly body: Uint8Array;
  /** The tenant's hook; undefined when the tenant has none, which is answered exactly like a bad signature. */
  readonly config: WebhookConfig | undefined;
  readonly now: Date;
}

export type WebhookVerdict =
  | { readonly status: 'unauthorized' }
  | { readonly status: 'stale'; readonly message: string }
  | { readonly status: 'invalid_json'; readonly message: string }
  | { readonly status: 'invalid'; readonly issues: readonly FieldIssue[] }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'accepted'; readonly events: readonly IncomingEvent[] };

// Checked against when a tenant has no hook, so an unknown tenant costs the same HMAC as a known one.
const NO_SECRET = 'release-ledger: no webhook secret is configured for this tenant';

/**
 * Authenticates, parses and maps one delivery: the signature first (nothing unauthenticated is parsed),
 * then freshness where the provider signs a time, then the provider's mapping.
 */
export function readWebhook(request: WebhookRequest): WebhookVerdict {
  const { provider, headers, body, config } = request;
  const signed = verifySignature(provider, headers, body, config?.secret ?? NO_SECRET);
  if (!signed || config === undefined) return { status: 'unauthorized' };

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return { status: 'invalid_json', message: `the body is not valid JSON: ${(error as Error).message}` };
  }

  const delivery = deliveryOf(provider, headers, parsed);
  if (!delivery.ok) return { status: 'invalid', issues: [delivery.issue] };
  if (provider === 'pagerduty') {
    const occurredAt = pagerDutyOccurredAt(parsed);
    if (occurredAt !== undefined && !isFresh(occurredAt, request.now, PAGERDUTY_FRESHNESS))
      return {
        status: 'stale',
        message: `event.occurred_at ${occurredAt} is outside the accepted window (1 hour old, 5 minutes ahead)`,
      };
  }
  return verdictOf(mapDelivery(delivery.delivery, config));
}

function verifySignature(
  provider: WebhookProvider,
  headers: WebhookRequest['headers'],
  body: Uint8Array,
  secret: string,
): boolean {
  switch (provider) {
    case 'github':
      return verifyGitHubSignature(body, headers['x-hub-signature-256'], secret);
    case 'gitlab':
      return verifyGitLabToken(headers['x-gitlab-token'], secret);
    case 'pagerduty':
      return verifyPagerDutySignature(body, headers['x-pagerduty-signature'], secret);
    case 'flux':
      return verifyFluxSignature(body, headers['x-signature'], secret);
    case 'alertmanager':
      return verifyBearerToken(headers.authorization, secret);
    case 'launchdarkly':
      return verifyLaunchDarklySignature(body, headers['x-ld-signature'], secret);
  }
}

type DeliveryRead = { ok: true; delivery: WebhookDelivery } | { ok: false; issue: FieldIssue };

/** The event kind and the provider's delivery id (recorded for audit; identities come from the payload). */
function deliveryOf(
  provider: WebhookProvider,
  headers: WebhookRequest['headers'],
  body: unknown,
): DeliveryRead {
  const header = (name: string): DeliveryRead => {
    const kind = headers[name]?.trim();
    return kind
      ? { ok: true, delivery: { provider, kind, deliveryId: deliveryIdOf(provider, headers), body } }
      : { ok: false, issue: { path: ['headers', name], message: 'is required to tell the event kind' } };
  };
  switch (provider) {
    case 'github':
      return header('x-github-event');
    case 'gitlab':
      return header('x-gitlab-event');
    case 'pagerduty': {
      const event = (body as { event?: { event_type?: unknown; id?: unknown } } | null)?.event;
      if (typeof event?.event_type !== 'string' || event.event_type.trim() === '')
        return { ok: false, issue: { path: ['event', 'event_type'], message: 'is required' } };
      const deliveryId = headers['x-webhook-id'] ?? (typeof event.id === 'string' ? event.id : undefined);
      return { ok: true, delivery: { provider, kind: event.event_type.trim(), deliveryId, body } };
    }
    case 'flux': {
      const kind = fluxKind(body);
      return kind
        ? { ok: true, delivery: { provider, kind, deliveryId: undefined, body } }
        : { ok: false, issue: { path: ['involvedObject', 'kind'], message: 'is required' } };
    }
    case 'alertmanager': {
      // A group notification: its status (`firing`/`resolved`) is the kind; each alert carries its own.
      const status = (body as { status?: unknown } | null)?.status;
      const kind = typeof status === 'string' && status.trim() !== '' ? status.trim() : 'alerts';
      const groupKey = (body as { groupKey?: unknown } | null)?.groupKey;
      return {
        ok: true,
        delivery: { provider, kind, deliveryId: typeof groupKey === 'string' ? groupKey : undefined, body },
      };
    }
    case 'launchdarkly': {
      // A change history entry: its `kind` (flag, segment, member…) tells what changed.
      const kind = launchDarklyKind(body);
      const id = (body as { _id?: unknown } | null)?._id;
      return kind
        ? {
            ok: true,
            delivery: { provider, kind, deliveryId: typeof id === 'string' ? id : undefined, body },
          }
        : { ok: false, issue: { path: ['kind'], message: 'is required' } };
    }
  }
}

function deliveryIdOf(provider: WebhookProvider, headers: WebhookRequest['headers']): string | undefined {
  return provider === 'github'
    ? headers['x-github-delivery']
    : (headers['idempotency-key'] ?? headers['x-gitlab-event-uuid']);
}

function mapDelivery(delivery: WebhookDelivery, config: WebhookConfig): WebhookMapping {
  switch (delivery.provider) {
    case 'github':
      return mapGitHubWebhook(delivery);
    case 'gitlab':
      return mapGitLabWebhook(delivery);
    case 'pagerduty':
      return mapPagerDutyWebhook(delivery, { environment: config.environment });
    case 'flux':
      return mapFluxWebhook(delivery, { environment: config.environment });
    case 'alertmanager':
      return mapAlertmanagerWebhook(delivery, {
        serviceLabel: config.serviceLabel,
        environmentLabel: config.environmentLabel,
        environment: config.environment,
      });
    case 'launchdarkly':
      return mapLaunchDarklyWebhook(delivery);
  }
}

function verdictOf(mapping: WebhookMapping): WebhookVerdict {
  switch (mapping.outcome) {
    case 'events':
      return { status: 'accepted', events: mapping.events };
    case 'ignored':
      return { status: 'ignored', reason: mapping.reason };
    case 'invalid':
      return { status: 'invalid', issues: mapping.issues };
  }
}
