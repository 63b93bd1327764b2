import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { FunctionConfig } from '../config.ts';
import {
  createVerificationJob,
  VERIFICATION_REQUESTED,
  VERIFICATION_SOURCE,
  type VerificationJob,
} from './audit-verification.ts';
import { eventBus } from './event-bus.ts';

/**
 * Apart from audit-verification.ts so only the two functions that start or continue a job carry the
 * EventBridge client in their bundles.
 */
export async function publishVerificationRequest(
  config: FunctionConfig,
  tenant: string,
  id: string,
): Promise<void> {
  const response = await eventBus(config).send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: config.eventBusName,
          Source: VERIFICATION_SOURCE,
          DetailType: VERIFICATION_REQUESTED,
          Detail: JSON.stringify({ tenant, id }),
        },
      ],
    }),
  );
  if ((response.FailedEntryCount ?? 0) > 0)
    throw new Error('the bus did not accept the verification request');
}

/** Records a queued job and asks the bus to run it; answers its id at once. */
export async function startVerificationJob(
  config: FunctionConfig,
  tenant: string,
  now: Date,
): Promise<VerificationJob> {
  const job = await createVerificationJob(config, tenant, now);
  await publishVerificationRequest(config, tenant, job.id);
  return job;
}
