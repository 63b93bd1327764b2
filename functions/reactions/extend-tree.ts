import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { checkpointSigner, merkleTree } from '../adapters/merkle-adapters.ts';
import { readConfig } from '../config.ts';

const NudgeSchema = z.looseObject({ tenant: z.string().min(1) });

const running = new Map<string, Promise<void>>();
const again = new Set<string>();

/**
 * Any ledger event → catch the tenant's Merkle tree up with the ledger and sign a new checkpoint. The
 * bus event only names the tenant: the tree reads the ledger from its own size, verifying every chain
 * link, so nudges that arrive late, twice or out of order change nothing. Appends never wait for it.
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
      await extendTenant(tenant, context);
    } while (again.has(tenant));
  })().finally(() => running.delete(tenant));
  running.set(tenant, run);
  return run;
}

async function extendTenant(tenant: string, context: Context | undefined): Promise<void> {
  const config = readConfig();
  const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
  const deadline = Date.now() + Math.max(1_000, remaining - 10_000);
  const result = await merkleTree(config).extend(tenant, checkpointSigner(config), () => new Date(), {
    shouldStop: () => Date.now() > deadline,
  });
  if (result.outcome === 'stalled') {
    // Loud on purpose: the ledger has an entry that does not verify; the tree will not cover it.
    console.error(`merkle tree of ${tenant} stopped at seq ${result.seq}: ${result.reason}`);
  }
}
