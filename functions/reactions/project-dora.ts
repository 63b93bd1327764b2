import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { adapters } from '../adapters/clients.ts';
import { DynamoDbDoraStore } from '../adapters/dynamodb-dora-store.ts';
import { catchUp, catchUpMemory } from '../dora/catch-up.ts';

const NudgeSchema = z.looseObject({ tenant: z.string().min(1) });

const running = new Map<string, Promise<void>>();
const again = new Set<string>();
/** Checkpoints this container committed and versions it saw active, kept across invocations. */
const memory = catchUpMemory();

/**
 * Any ledger event → catch the tenant's DORA projection up. The bus event only says which tenant to
 * look at: its position and order are never trusted, the ledger is read from the checkpoint. Nudges
 * for a tenant already catching up in this container are folded into one more pass (on Lambda each
 * container sees one at a time; correctness rests on the conditional checkpoint either way).
 */
export async function handler(event: EventBridgeEvent<string, unknown>, context?: Context): Promise<void> {
  const { tenant } = NudgeSchema.parse(event.detail);
  const inFlight = running.get(tenant);
  if (inFlight) {
    again.add(tenant);
    return inFlight;
  }
  const run = (async () => {
    do {
      again.delete(tenant);
      await catchUpTenant(tenant, context);
    } while (again.has(tenant));
  })().finally(() => running.delete(tenant));
  running.set(tenant, run);
  return run;
}

async function catchUpTenant(tenant: string, context: Context | undefined): Promise<void> {
  const { eventStore, dynamoDb, config } = adapters();
  const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
  await catchUp(tenant, {
    eventStore,
    doraStore: new DynamoDbDoraStore({ client: dynamoDb, stateTable: config.stateTable }),
    definitions: config.doraDefinitions,
    now: () => Date.now(),
    deadline: Date.now() + Math.max(1_000, remaining - 10_000),
    memory,
  });
}
