import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { runVerificationJob } from '../adapters/audit-verification.ts';
import { publishVerificationRequest } from '../adapters/verification-requests.ts';
import { readConfig } from '../config.ts';

const RequestSchema = z.looseObject({ tenant: z.string().min(1), id: z.uuid() });

/**
 * verification.requested → run a full verification job from where it stands; near the time limit it
 * saves its progress and asks the bus for a fresh invocation, so any ledger size completes. Delivered
 * at least once: a job already done is left alone, and a duplicate re-walks only from saved progress.
 */
export async function handler(event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> {
  const { tenant, id } = RequestSchema.parse(event.detail);
  const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
  const deadline = Date.now() + Math.max(1_000, remaining - 30_000);
  const config = readConfig();
  await runVerificationJob(
    config,
    tenant,
    id,
    () => Date.now() > deadline,
    () => publishVerificationRequest(config, tenant, id),
  );
}
