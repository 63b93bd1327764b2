import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';
import { ReleaseListQuerySchema } from './request-schemas.ts';

/** GET /v1/releases — newest first, optionally one service and a creation-time window, paginated. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const page = await adapters().eventStore.listReleases(tenant, queryParams(event, ReleaseListQuerySchema));
  return json(200, { releases: page.releases, next: page.next ?? null });
});
