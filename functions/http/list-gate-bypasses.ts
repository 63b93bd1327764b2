import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams, TimeWindowQuerySchema } from './query-params.ts';

/** GET /v1/audit/gate-bypasses — deployments that went ahead without a passed gate, newest first. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const page = await adapters().eventStore.listGateBypasses(
    tenant,
    queryParams(event, TimeWindowQuerySchema),
  );
  return json(200, { bypasses: page.bypasses, next: page.next ?? null });
});
