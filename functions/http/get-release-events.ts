import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { notFound } from './http-error.ts';
import { pathParam } from './query-params.ts';

/** GET /v1/releases/{releaseId}/events — every event in the release's history, in ledger order. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const releaseId = pathParam(event, 'releaseId');
  const events = await adapters().eventStore.readStream(tenant, `release/${releaseId}`);
  if (events.length === 0) throw notFound(`release '${releaseId}'`);
  return json(200, { events });
});
