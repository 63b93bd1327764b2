import { verifyIncrementally } from '../adapters/audit-verification.ts';
import { readConfig } from '../config.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';

/**
 * GET /v1/audit/verify — verifies the chain from the last verified checkpoint to the head (bounded, so
 * it answers quickly at any size) and says what it covered: `from` (first seq re-hashed now), `checked`
 * and `head` (verified up to), `checkpoint` (the tree size whose links were verified before) and the
 * last full verification. A full re-verification from seq 1 is POST /v1/audit/verifications.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const result = await verifyIncrementally(readConfig(), tenant);
  return json(
    200,
    result.ok
      ? result
      : {
          ok: false,
          firstBadSeq: result.firstBadSeq,
          reason: result.reason,
          checked: result.checked,
          from: result.from,
          checkpoint: result.checkpoint,
          lastFullVerification: result.lastFullVerification,
        },
  );
});
