import { z } from 'zod';
import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { LimitSchema, queryParams } from './query-params.ts';

const QuerySchema = z.object({
  service: z.string().min(1).max(256).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: LimitSchema.pipe(z.number().max(200)),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .max(1024)
    .optional(),
});

/** GET /v1/releases — newest first, optionally one service and a creation-time window, paginated. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const query = queryParams(event, QuerySchema);
  const page = await adapters().eventStore.listReleases(tenant, {
    ...query,
    from: query.from && new Date(query.from).toISOString(),
    to: query.to && new Date(query.to).toISOString(),
  });
  return json(200, { releases: page.releases, next: page.next ?? null });
});
