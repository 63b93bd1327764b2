import type { IncomingEvent } from '../../../domain/ledger/ledger-event.ts';
import { IdempotencyConflictError } from '../../../domain/ports/event-store.ts';
import { readWebhook } from '../../../domain/webhooks/read-webhook.ts';
import { adapters } from '../../adapters/clients.ts';
import { type HttpEvent, type HttpResult, httpApi, json } from '../http-api.ts';
import { HttpError } from '../http-error.ts';
import { MAX_BODY_BYTES } from '../ingest-message.ts';
import { providerParam, tenantParam, webhookSecrets } from './webhook-route.ts';

// One answer for an unknown tenant, a tenant without a hook and a wrong or missing signature: a caller
// cannot probe which tenants exist.
const UNAUTHORIZED = 'the delivery is not signed with this tenant’s webhook secret';

/**
 * POST /v1/webhooks/{provider}?tenant=<tenant> (no bearer token: the provider's signature authenticates).
 * 201 with the appended events, 200 on a redelivery, 202 for kinds the ledger does not record; providers
 * retry or disable hooks on other answers, so only bad signatures and malformed payloads get 4xx.
 */
export const handler = httpApi(async (event) => {
  const provider = providerParam(event);
  const tenant = tenantParam(event);
  const body = bodyBytes(event);
  if (body.byteLength > MAX_BODY_BYTES)
    throw new HttpError(413, 'payload_too_large', `the body is over ${MAX_BODY_BYTES / 1024} KB`);
  const verdict = readWebhook({
    provider,
    headers: lowerCased(event.headers ?? {}),
    body,
    config: await webhookSecrets().find(tenant, provider),
    now: new Date(),
  });
  switch (verdict.status) {
    case 'unauthorized':
      throw new HttpError(401, 'unauthorized', UNAUTHORIZED);
    case 'stale':
      throw new HttpError(401, 'unauthorized', verdict.message);
    case 'invalid_json':
      throw new HttpError(400, 'invalid_json', verdict.message);
    case 'invalid':
      throw new HttpError(400, 'validation_failed', `the ${provider} payload is not valid`, verdict.issues);
    case 'ignored':
      return json(202, { ignored: true, reason: verdict.reason });
    case 'accepted':
      return append(tenant, verdict.events);
  }
});

async function append(tenant: string, events: readonly IncomingEvent[]): Promise<HttpResult> {
  try {
    const outcome = await adapters().eventStore.appendEvents(tenant, events);
    const body = { events: outcome.results };
    return outcome.status === 'replayed'
      ? json(200, body, { 'idempotent-replayed': 'true' })
      : json(201, body);
  } catch (error) {
    // The provider sent a second, different version of a transition already recorded (a deployment that
    // reported both `failure` and `error`); the ledger keeps the first, and a 4xx would only make the
    // provider retry or disable the hook.
    if (error instanceof IdempotencyConflictError)
      return json(202, { ignored: true, reason: 'this transition is already recorded with other content' });
    throw error;
  }
}

function bodyBytes(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

function lowerCased(
  headers: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
}
