import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';
import { LedgerQuerySchema } from './request-schemas.ts';
import { itemsWithinBudget } from './response-budget.ts';

/**
 * GET /v1/events?after=SEQ&limit=N — the tenant's ledger in seq order; `next` is the following `after`.
 * A page holds at most `limit` events and what fits one Lambda response, whichever is fewer.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const { after, limit } = queryParams(event, LedgerQuerySchema);
  const page = await adapters().eventStore.readLedger(tenant, after, limit);
  const fits = itemsWithinBudget(page.events);
  const next = fits < page.events.length ? page.events[fits - 1]?.seq : page.next;
  return json(200, { events: page.events.slice(0, fits), next: next ?? null });
});
