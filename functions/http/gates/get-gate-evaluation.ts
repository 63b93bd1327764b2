import { evaluationView, isEvaluationId } from '../../../domain/gates/gate-evaluation.ts';
import { streamName } from '../../../domain/ledger/streams.ts';
import { adapters } from '../../adapters/clients.ts';
import { authorize } from '../authorize.ts';
import { httpApi, json } from '../http-api.ts';
import { badRequest, notFound } from '../http-error.ts';
import { pathParam } from '../query-params.ts';

/**
 * GET /v1/gates/evaluations/{evaluationId} — `pending` until the gate decided, then `passed` or `failed` with every
 * check (a dry run answers `passed` and keeps its real `verdict`). Another tenant's evaluation is not found.
 */
export const handler = httpApi(async (event) => {
  // Writers read it too: the pipeline that asked holds a writer token.
  const { tenant } = authorize(event, ['reader', 'writer']);
  const id = pathParam(event, 'evaluationId');
  if (!isEvaluationId(id))
    throw badRequest('invalid path parameters', [
      { path: ['path', 'evaluationId'], message: 'must be an evaluation id (UUID)' },
    ]);
  const events = await adapters().eventStore.readStream(tenant, streamName('evaluation', id));
  const view = evaluationView(id, events);
  if (!view) throw notFound('gate evaluation');
  return json(200, view);
});
