import * as z from 'zod';
import { isDecisionEventType } from '../events/decision-types.ts';
import { isNativeEventType, nativeEventSchemas } from '../events/native-events.ts';
import { canonicalJson } from '../ledger/canonical-json.ts';
import { sha256Hex } from '../ledger/hash-chain.ts';
import type { IncomingEvent } from '../ledger/ledger-event.ts';
import { isCdEventType, looksLikeCdEvent, mapCdEvent } from './cdevents.ts';
import { type FieldIssue, zodIssues } from './field-issues.ts';
import { reservedSourceIssues } from './reserved-source.ts';

export { reservedSourceIssues };

export type Normalised =
  | { readonly ok: true; readonly event: IncomingEvent }
  | {
      readonly ok: false;
      readonly issues: FieldIssue[];
      /** `unsupported_spec_version` when a CDEvent declares a spec line the ledger does not validate. */
      readonly code?: 'unsupported_spec_version';
    };

/** A CloudEvent as plain JSON (structured form): context attributes, extensions and `data`. */
export type CloudEventJson = Readonly<Record<string, unknown>>;

/** CloudEvents 1.0 context attributes the ledger relies on; extensions pass through untouched. */
export const CloudEventEnvelopeSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(1024),
  source: z.string().min(1).max(2048),
  type: z.string().min(1).max(256),
  time: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' }).optional(),
  subject: z.string().max(2048).optional(),
  datacontenttype: z.string().max(256).optional(),
  dataschema: z.string().max(2048).optional(),
});

// Tracing extensions change between retries of the same delivery, so they do not make a new payload.
const TRANSPORT_EXTENSIONS = new Set(['traceparent', 'tracestate']);

/**
 * Maps one CloudEvent onto a native event: native types validate their data directly, `dev.cdevents.*`
 * types carry a CDEvent as data. (source, id) of the CloudEvent stays the idempotency key.
 */
export function normaliseCloudEvent(cloudEvent: CloudEventJson): Normalised {
  const envelope = CloudEventEnvelopeSchema.safeParse(cloudEvent);
  if (!envelope.success) return { ok: false, issues: zodIssues(envelope.error.issues) };
  const type = String(cloudEvent.type);
  const source = String(cloudEvent.source);
  const id = String(cloudEvent.id);
  const reserved = reservedSourceIssues(source, ['source']);
  if (reserved.length > 0) return { ok: false, issues: reserved };
  const time = typeof cloudEvent.time === 'string' ? cloudEvent.time : undefined;
  const subject = typeof cloudEvent.subject === 'string' ? cloudEvent.subject : undefined;
  const original = { format: 'cloudevent' as const, payload: cloudEvent };
  const payloadHash = hashPayload(
    Object.fromEntries(Object.entries(cloudEvent).filter(([key]) => !TRANSPORT_EXTENSIONS.has(key))),
  );

  if (isNativeEventType(type)) {
    const parsed = nativeEventSchemas[type].safeParse(cloudEvent.data ?? undefined);
    if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error.issues, ['data']) };
    return {
      ok: true,
      event: { source, id, type, occurredAt: time, subject, data: parsed.data, original, payloadHash },
    };
  }
  if (isCdEventType(type)) {
    const mapped = mapCdEvent(cloudEvent.data);
    if (!mapped.ok)
      return {
        ok: false,
        issues: mapped.issues.map((i) => ({ ...i, path: ['data', ...i.path] })),
        ...(mapped.code ? { code: mapped.code } : {}),
      };
    const { event } = mapped;
    return {
      ok: true,
      event: {
        source,
        id,
        type: event.type,
        occurredAt: time ?? event.time,
        subject: subject ?? event.subject,
        data: { ...event.data, cdeventType: event.cdeventType },
        original,
        payloadHash,
      },
    };
  }
  const message = isDecisionEventType(type)
    ? `'${type}' is recorded by the ledger itself and cannot be posted`
    : `unsupported event type '${type}'; see the event catalogue in docs/events.md`;
  return { ok: false, issues: [{ path: ['type'], message }] };
}

/** A raw CDEvent posted as plain JSON: its context's (source, id) is the idempotency key. */
export function normaliseCdEvent(cdevent: unknown): Normalised {
  const mapped = mapCdEvent(cdevent);
  if (!mapped.ok) return mapped;
  const { event } = mapped;
  const reserved = reservedSourceIssues(event.source, ['context', 'source']);
  if (reserved.length > 0) return { ok: false, issues: reserved };
  return {
    ok: true,
    event: {
      source: event.source,
      id: event.id,
      type: event.type,
      occurredAt: event.time,
      subject: event.subject,
      data: { ...event.data, cdeventType: event.cdeventType },
      original: { format: 'cdevent', payload: cdevent },
      payloadHash: hashPayload(cdevent),
    },
  };
}

export { looksLikeCdEvent };

/**
 * The ledger's own source is reserved for what the ledger derives (its decisions, implicit releases,
 * policy changes): those are idempotency-keyed `(release-ledger, <namespace>:<subject>)`, so an event
 * posted under that source could claim a decision before it is made. Reserving the source reserves every
 * namespace under it; a client's own source may use any id, since the identity is the (source, id) pair.
 * Compared trimmed and case-insensitively so no look-alike of the ledger's source reaches an audit either.
 */
function hashPayload(payload: unknown): string {
  return sha256Hex(canonicalJson(payload));
}
