import type * as z from 'zod';
import type { NativeEventType } from '../events/native-events.ts';
import { nativeEventSchemas } from '../events/native-events.ts';
import { type FieldIssue, zodIssues } from '../ingest/field-issues.ts';
import { reservedSourceIssues } from '../ingest/reserved-source.ts';
import { canonicalJson } from '../ledger/canonical-json.ts';
import { sha256Hex } from '../ledger/hash-chain.ts';
import type { IncomingEvent } from '../ledger/ledger-event.ts';

export const webhookProviders = [
  'github',
  'gitlab',
  'pagerduty',
  'flux',
  'alertmanager',
  'launchdarkly',
] as const;
export type WebhookProvider = (typeof webhookProviders)[number];

export function isWebhookProvider(value: string): value is WebhookProvider {
  return (webhookProviders as readonly string[]).includes(value);
}

/** One delivery as the provider sent it: its event kind (from a header or the body) and parsed body. */
export interface WebhookDelivery {
  readonly provider: WebhookProvider;
  /** `X-GitHub-Event`, `X-Gitlab-Event`, PagerDuty's `event.event_type`, or Flux's `involvedObject.kind`. */
  readonly kind: string;
  /** The provider's delivery id, kept in `original` for audit (never part of the event's identity). */
  readonly deliveryId: string | undefined;
  readonly body: unknown;
}

/**
 * What a delivery means to the ledger. Providers retry or disable a hook on 4xx/5xx, so kinds the ledger
 * does not record are `ignored` (answered 202), never an error.
 */
export type WebhookMapping =
  | { readonly outcome: 'events'; readonly events: readonly IncomingEvent[] }
  | { readonly outcome: 'ignored'; readonly reason: string }
  | { readonly outcome: 'invalid'; readonly issues: readonly FieldIssue[] };

export const ignored = (reason: string): WebhookMapping => ({ outcome: 'ignored', reason });

/** Environment of deliveries that name none (PagerDuty incidents, a workflow called just `Deploy`). */
export const DEFAULT_ENVIRONMENT = 'production';

interface EventSpec {
  readonly source: string;
  readonly id: string;
  readonly type: NativeEventType;
  readonly occurredAt: string | undefined;
  readonly data: Record<string, unknown>;
}

/**
 * Builds a native event from a delivery. The payload hash covers only `type` and `data`, which are derived
 * from the provider's own object ids and states: a redelivery (or a second hook on the same repository)
 * replays instead of conflicting, and so do states that collapse onto one ledger event (`queued` and
 * `pending` are both `deployment.requested`). The data is validated with the native schema so a mapping
 * bug is a 400 with a path, never a malformed ledger entry, and so is a source the ledger reserves.
 */
export function webhookEvent(delivery: WebhookDelivery, spec: EventSpec): WebhookMapping {
  // Providers' sources are URLs, never the bare name; checked here so no future mapping can produce it.
  const reserved = reservedSourceIssues(spec.source, ['source']);
  if (reserved.length > 0) return { outcome: 'invalid', issues: reserved };
  const data = compact(spec.data);
  const parsed = nativeEventSchemas[spec.type].safeParse(data);
  if (!parsed.success) return { outcome: 'invalid', issues: zodIssues(parsed.error.issues, ['data']) };
  return {
    outcome: 'events',
    events: [
      {
        source: spec.source,
        id: spec.id,
        type: spec.type,
        occurredAt: spec.occurredAt,
        data: parsed.data,
        original: {
          format: 'webhook',
          payload: {
            provider: delivery.provider,
            kind: delivery.kind,
            deliveryId: delivery.deliveryId ?? null,
            body: delivery.body,
          },
        },
        payloadHash: sha256Hex(canonicalJson({ type: spec.type, data: parsed.data })),
      },
    ],
  };
}

/** Parses the fields a mapping reads; failures name their path in the provider's payload. */
export function parsePayload<T extends z.ZodType>(
  schema: T,
  body: unknown,
): { ok: true; value: z.output<T> } | { ok: false; mapping: WebhookMapping } {
  const parsed = schema.safeParse(body);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, mapping: { outcome: 'invalid', issues: zodIssues(parsed.error.issues) } };
}

/** Drops undefined and null fields: native data is hashed and should say only what is known. */
export function compact(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).filter(([, value]) => value !== undefined && value !== null),
  );
}

const DEPLOY_NAME = /^\s*deploy(?:ment|ing|s)?\b/i;
const TO_ENVIRONMENT = /\b(?:to|into)\s+([A-Za-z0-9][\w.-]*)\s*$/i;
const SEPARATED_ENVIRONMENT = /^\s*deploy(?:ment|ing|s)?\s*[:/–-]\s*([A-Za-z0-9][\w.-]*)\s*$/i;

/**
 * The naming convention that turns a CI run (GitHub workflow run, GitLab pipeline) into a deployment:
 * its name starts with `Deploy`; the environment is the word after a final `to`/`into`
 * (`Deploy API to staging`) or after `Deploy:`/`deploy-` (`deploy-staging`), else `production`.
 * Returns undefined for every other run, which is then not a deployment.
 */
export function deploymentByName(name: string | undefined | null): { environment: string } | undefined {
  if (!name || !DEPLOY_NAME.test(name)) return undefined;
  const environment = TO_ENVIRONMENT.exec(name)?.[1] ?? SEPARATED_ENVIRONMENT.exec(name)?.[1];
  return { environment: environment ?? DEFAULT_ENVIRONMENT };
}

/** The last path segment of a repository path (`acme/payments-api` → `payments-api`): the service. */
export function lastSegment(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? path;
}

/** `https://acme.pagerduty.com/incidents/P1` → `https://acme.pagerduty.com`; undefined when not a URL. */
export function originOf(url: string | undefined | null): string | undefined {
  if (!url) return undefined;
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}
