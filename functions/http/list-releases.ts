import * as z from 'zod';
import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams, TimeWindowQuerySchema } from './query-params.ts';

export const ReleaseListQuerySchema = TimeWindowQuerySchema.extend({
  service: z.string().min(1).max(256).optional(),
});

/** GET /v1/releases — newest first, optionally one service and a creation-time window, paginated. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const page = await adapters().eventStore.listReleases(tenant, queryParams(event, ReleaseListQuerySchema));
  return json(200, { releases: page.releases, next: page.next ?? null });
});
