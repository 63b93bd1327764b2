import { EventRefusedError } from '../../domain/ports/event-store.ts';
import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { eventRefused, httpApi, json, rawBody } from './http-api.ts';
import { readIngestMessage } from './ingest-message.ts';

/** POST /v1/events — append one event or an all-or-nothing batch; replays answer 200 with the stored result. */
export const handler = httpApi(async (event) => {
  const { tenant, unverified } = authorize(event, 'writer', { writeChecksCaller: true });
  const events = readIngestMessage(event.headers ?? {}, rawBody(event));
  const batch = (event.headers?.['content-type'] ?? '')
    .toLowerCase()
    .startsWith('application/cloudevents-batch+json');
  const outcome = await adapters()
    .eventStore.appendEvents(tenant, events, { unverifiedCaller: unverified })
    .catch((error: unknown) => {
      throw error instanceof EventRefusedError ? eventRefused(error, batch) : error;
    });
  const body = batch ? { events: outcome.results } : { event: outcome.results[0] };
  return outcome.status === 'replayed' ? json(200, body, { 'idempotent-replayed': 'true' }) : json(201, body);
});
