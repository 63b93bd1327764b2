import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** BatchWriteItem's limit. */
const BATCH_ITEMS = 25;

export interface BatchWriter {
  /** Queues a put; resolves once the queue has room again (back-pressure keeps memory flat). */
  put(table: string, item: Record<string, unknown>): Promise<void>;
  /** Writes everything queued and waits for every request in flight. */
  flush(): Promise<void>;
  readonly written: number;
}

/**
 * Unconditional puts in BatchWriteItem requests of 25, `concurrency` requests in flight, unprocessed
 * items retried with backoff. Only for loading tables nobody else writes to: there are no conditions,
 * and a key written twice keeps whichever request landed last.
 */
export function batchWriter(client: DynamoDBDocumentClient, concurrency = 8): BatchWriter {
  let pending: { table: string; item: Record<string, unknown> }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let written = 0;

  const send = async (batch: { table: string; item: Record<string, unknown> }[]) => {
    let requests = groupByTable(batch);
    for (let round = 1; Object.keys(requests).length > 0; round += 1) {
      const response = await client.send(new BatchWriteCommand({ RequestItems: requests }));
      const unprocessed = response.UnprocessedItems ?? {};
      requests = Object.fromEntries(
        Object.entries(unprocessed).filter(([, list]) => (list?.length ?? 0) > 0),
      ) as typeof requests;
      if (Object.keys(requests).length > 0) {
        if (round >= 20) throw new Error('DynamoDB kept refusing a batch write');
        await sleep(Math.min(1000, 10 * 2 ** round) * Math.random());
      }
    }
    written += batch.length;
  };

  const launch = () => {
    const batch = pending.slice(0, BATCH_ITEMS);
    pending = pending.slice(BATCH_ITEMS);
    const request: Promise<void> = send(batch).then(
      () => {
        inFlight.delete(request);
      },
      (error: unknown) => {
        inFlight.delete(request);
        failure ??= error;
      },
    );
    inFlight.add(request);
  };

  return {
    async put(table, item) {
      if (failure) throw failure;
      pending.push({ table, item });
      if (pending.length < BATCH_ITEMS) return;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      launch();
    },
    async flush() {
      while (pending.length > 0) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        launch();
      }
      await Promise.all(inFlight);
      if (failure) throw failure;
    },
    get written() {
      return written;
    },
  };
}

function groupByTable(batch: readonly { table: string; item: Record<string, unknown> }[]) {
  const requests: Record<string, { PutRequest: { Item: Record<string, unknown> } }[]> = {};
  for (const { table, item } of batch) {
    requests[table] ??= [];
    requests[table].push({ PutRequest: { Item: item } });
  }
  return requests;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
