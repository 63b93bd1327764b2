import { TIERS } from '../../domain/dora/tiers.ts';
import { tenantDoraReader } from '../dora/dora-reader.ts';
import { authorize } from './authorize.ts';
import { scopeAndWindow } from './dora-query.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';
import { DoraEvidenceQuerySchema } from './request-schemas.ts';

/**
 * GET /v1/metrics/dora/evidence — what stands behind one metric: the deployments (with the rule that
 * linked each failure, incident and recovery) or, for lead time, the commits, oldest first.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const query = queryParams(event, DoraEvidenceQuerySchema);
  const { scope, window } = scopeAndWindow(query, new Date());
  const reader = tenantDoraReader(tenant);
  const { items, total, source } = await reader.evidence(
    query.metric,
    scope,
    window,
    { cursor: query.cursor, limit: query.limit },
    query.asOf,
  );
  const next = query.cursor + items.length < total ? query.cursor + items.length : null;
  return json(200, {
    metric: query.metric,
    scope,
    window,
    asOf: query.asOf ?? null,
    total,
    items,
    next,
    source,
    tiers: TIERS,
  });
});
