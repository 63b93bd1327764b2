import { alertVolumeMet, RELEASE_HEALTH_TARGETS, rollbackRateMet, TIERS } from '../../domain/dora/tiers.ts';
import { tenantDoraReader } from '../dora/dora-reader.ts';
import { authorize } from './authorize.ts';
import { DoraQuerySchema, scopeAndWindow } from './dora-query.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';

/** GET /v1/metrics/dora — the five DORA metrics of a scope over a window, per bucket, optionally asOf. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const query = queryParams(event, DoraQuerySchema);
  const { scope, window } = scopeAndWindow(query, new Date());
  const reader = tenantDoraReader(tenant);
  const metrics = await reader.metrics(scope, window, query.bucket, query.asOf);
  return json(200, {
    ...metrics,
    asOf: query.asOf ?? null,
    tiers: TIERS,
    targets: {
      rollbackRate: {
        ...RELEASE_HEALTH_TARGETS.rollbackRate,
        met: rollbackRateMet(metrics.rollbackRate.rate),
      },
      postReleaseAlertVolume: {
        ...RELEASE_HEALTH_TARGETS.postReleaseAlertVolume,
        met: alertVolumeMet(metrics.postReleaseAlertVolume.medianRatio),
      },
    },
  });
});
