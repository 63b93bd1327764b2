import { randomUUID } from 'node:crypto';
import {
  evaluationIdFor,
  evaluationRequest,
  GateEvaluationBodySchema,
  IdempotencyKeySchema,
} from '../../../domain/gates/gate-evaluation.ts';
import { EventRefusedError } from '../../../domain/ports/event-store.ts';
import { adapters } from '../../adapters/clients.ts';
import { authorize } from '../authorize.ts';
import { header, httpApi, json, rawBody } from '../http-api.ts';
import { badRequest, HttpError } from '../http-error.ts';
import { parseJsonBody } from '../json-body.ts';

/**
 * POST /v1/gates/evaluations — asks the gate without waiting for it: records the request (a
 * `deployment.requested` the gate-evaluation rule decides) and answers 202 `{id}` to poll. The same
 * `Idempotency-Key` gives the same evaluation: a retry replays, another body under it is a 409.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'writer');
  const key = header(event, 'idempotency-key');
  if (key !== undefined && !IdempotencyKeySchema.safeParse(key).success)
    throw badRequest('invalid Idempotency-Key', [
      { path: ['header', 'idempotency-key'], message: '1-255 printable ASCII characters without spaces' },
    ]);
  const body = parseJsonBody(rawBody(event), GateEvaluationBodySchema);
  const id = key === undefined ? randomUUID() : evaluationIdFor(key);
  const outcome = await adapters()
    .eventStore.appendEvents(tenant, [evaluationRequest(id, body)])
    .catch((error: unknown) => {
      throw error instanceof EventRefusedError ? refused(error) : error;
    });
  const location = `/v1/gates/evaluations/${id}`;
  return json(
    202,
    { id, status: 'pending', location },
    { location, ...(outcome.status === 'replayed' ? { 'idempotent-replayed': 'true' } : {}) },
  );
});

/** The request contradicts the ledger (a release of another service): paths are the body's, not the event's. */
function refused(error: EventRefusedError): HttpError {
  return new HttpError(
    error.code === 'release_id_taken' ? 409 : 400,
    error.code,
    error.message,
    error.issues.map((issue) => ({
      path: issue.path[0] === 'data' ? issue.path.slice(1) : [...issue.path],
      message: issue.message,
    })),
  );
}
