import { startVerificationJob } from '../adapters/verification-requests.ts';
import { readConfig } from '../config.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';

/**
 * POST /v1/audit/verifications — starts a full re-verification of the tenant's chain from seq 1 as an
 * asynchronous job (never inside this request): 202 `{id, status, ...}` with a Location to poll.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const job = await startVerificationJob(readConfig(), tenant, new Date());
  return json(202, job, { location: `/v1/audit/verifications/${job.id}` });
});
