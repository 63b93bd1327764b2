import * as z from 'zod';
import { getVerificationJob } from '../adapters/audit-verification.ts';
import { readConfig } from '../config.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { badRequest, notFound } from './http-error.ts';
import { pathParam } from './query-params.ts';

const IdSchema = z.uuid();

/**
 * GET /v1/audit/verifications/{id} — a full verification job: `status` (queued | running | done),
 * `checked` of `target` (progress), and when done its `result` (as the chain verification reports it:
 * ok, or the first bad seq and why). Another tenant's job is not found.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const id = pathParam(event, 'id');
  if (!IdSchema.safeParse(id).success) {
    throw badRequest('invalid path parameters', [
      { path: ['path', 'id'], message: 'must be a job id (UUID)' },
    ]);
  }
  const job = await getVerificationJob(readConfig(), tenant, id);
  if (!job) throw notFound('verification');
  return json(200, job);
});
