import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';

/** GET /v1/audit/verify — recomputes the tenant's whole chain from the stored bodies. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const result = await adapters().eventStore.verifyLedger(tenant);
  return json(
    200,
    result.ok
      ? result
      : { ok: false, firstBadSeq: result.firstBadSeq, reason: result.reason, checked: result.checked },
  );
});
