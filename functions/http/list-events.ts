import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';
import { LedgerQuerySchema } from './request-schemas.ts';

/** GET /v1/events?after=SEQ&limit=N — the tenant's ledger in seq order; `next` is the following `after`. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const { after, limit } = queryParams(event, LedgerQuerySchema);
  const page = await adapters().eventStore.readLedger(tenant, after, limit);
  return json(200, { events: page.events, next: page.next ?? null });
});
