import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { notFound } from './http-error.ts';
import { pathParam, queryParams } from './query-params.ts';
import { StreamQuerySchema } from './request-schemas.ts';
import { itemsWithinBudget } from './response-budget.ts';

/**
 * GET /v1/releases/{releaseId}/events?after=POSITION&limit=N — the release's history in ledger order,
 * a page at a time: at most `limit` events and what fits one Lambda response; `next` is the following
 * `after`, null on the last page.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const releaseId = pathParam(event, 'releaseId');
  const { after, limit } = queryParams(event, StreamQuerySchema);
  const page = await adapters().eventStore.readStreamPage(tenant, `release/${releaseId}`, after, limit);
  if (page.events.length === 0 && after === 0) throw notFound(`release '${releaseId}'`);
  const fits = itemsWithinBudget(page.events);
  const next = fits < page.events.length ? page.positions[fits - 1] : page.next;
  return json(200, { events: page.events.slice(0, fits), next: next ?? null });
});
