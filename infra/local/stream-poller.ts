import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export interface CheckpointStore {
  load(shardId: string): Promise<string | undefined>;
  save(shardId: string, sequenceNumber: string): Promise<void>;
}

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly streamArn: string;
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  readonly checkpoints: CheckpointStore;
  /** @default 100 (the relay's batch size in the topology) */
  readonly batchSize?: number;
  /** Pause between polls of an idle shard. @default 50 */
  readonly idleMs?: number;
  readonly log?: (line: string) => void;
}

export interface RunningStreamPoller {
  /** Resolves once every record written before the call has been handed to the handler successfully. */
  drained(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Lambda's DynamoDB Streams event source mapping, for DynamoDB Local: reads every shard in order, calls
 * the relay handler with the same `DynamoDBStreamEvent` shape, honours `batchItemFailures` by
 * redelivering from the first failed record, and checkpoints per shard so a restart resumes.
 */
export function startStreamPoller(options: StreamPollerOptions): RunningStreamPoller {
  const client = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const batchSize = options.batchSize ?? 100;
  const idleMs = options.idleMs ?? 50;
  const finishedShards = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  let busyShards = 0;

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function shardIterator(shardId: string, type: ShardIteratorType, sequenceNumber?: string) {
    const response = await client.send(
      new GetShardIteratorCommand({
        StreamArn: options.streamArn,
        ShardId: shardId,
        ShardIteratorType: type,
        ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
      }),
    );
    return response.ShardIterator;
  }

  async function startingIterator(shardId: string) {
    const checkpoint = await options.checkpoints.load(shardId);
    if (!checkpoint) return shardIterator(shardId, 'TRIM_HORIZON');
    try {
      return await shardIterator(shardId, 'AFTER_SEQUENCE_NUMBER', checkpoint);
    } catch (error) {
      options.log?.(
        `relay: checkpoint ${checkpoint} of ${shardId} is gone (${(error as Error).name}); reading from the start`,
      );
      return shardIterator(shardId, 'TRIM_HORIZON');
    }
  }

  function readRecords(iterator: string) {
    return client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
  }

  async function pollShard(shard: Shard): Promise<void> {
    const shardId = shard.ShardId as string;
    let iterator = await startingIterator(shardId);
    let failures = 0;
    while (!stopped && iterator) {
      let response: Awaited<ReturnType<typeof readRecords>>;
      try {
        response = await readRecords(iterator);
      } catch (error) {
        // DynamoDB Local answers a fresh, still-empty shard with TrimmedDataAccess, and iterators expire
        // after 15 minutes: start again from the checkpoint.
        const name = (error as Error).name;
        if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw error;
        await sleep(idleMs);
        iterator = await startingIterator(shardId);
        continue;
      }
      const records = response.Records ?? [];
      if (records.length === 0) {
        iterator = response.NextShardIterator;
        notifyIdle();
        if (iterator) await sleep(idleMs);
        continue;
      }
      busyShards += 1;
      try {
        const result = await options.handler({ Records: records.map((r) => toLambdaRecord(r, options)) });
        const failed = result?.batchItemFailures?.[0]?.itemIdentifier;
        const index =
          failed === undefined ? -1 : records.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
        if (index === -1) {
          failures = 0;
          await options.checkpoints.save(shardId, records.at(-1)?.dynamodb?.SequenceNumber as string);
          iterator = response.NextShardIterator;
        } else {
          // Like Lambda: keep what succeeded, then retry from the first failed record with backoff.
          const before = records[index - 1]?.dynamodb?.SequenceNumber;
          if (before) await options.checkpoints.save(shardId, before);
          failures += 1;
          options.log?.(`relay: record ${failed} failed (attempt ${failures}); retrying from it`);
          await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
          iterator = await shardIterator(shardId, 'AT_SEQUENCE_NUMBER', failed);
        }
      } catch (error) {
        failures += 1;
        options.log?.(`relay: handler threw (${(error as Error).message}); retrying the batch`);
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
        const first = records[0]?.dynamodb?.SequenceNumber;
        iterator = first ? await shardIterator(shardId, 'AT_SEQUENCE_NUMBER', first) : iterator;
      } finally {
        busyShards -= 1;
      }
    }
    if (!iterator) finishedShards.add(shardId);
  }

  function notifyIdle() {
    if (busyShards > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async function discoverShards(): Promise<void> {
    while (!stopped) {
      try {
        const described = await client.send(new DescribeStreamCommand({ StreamArn: options.streamArn }));
        for (const shard of described.StreamDescription?.Shards ?? []) {
          const id = shard.ShardId;
          if (!id || running.has(id) || finishedShards.has(id)) continue;
          // A child shard starts only after its parent is drained, to keep per-key order.
          const parent = shard.ParentShardId;
          if (parent && running.has(parent) && !finishedShards.has(parent)) continue;
          running.set(
            id,
            pollShard(shard).catch((error: unknown) => {
              if (!stopped) options.log?.(`relay: shard ${id} stopped: ${(error as Error).message}`);
              running.delete(id);
            }),
          );
        }
      } catch (error) {
        if (!stopped) options.log?.(`relay: describing the stream failed: ${(error as Error).message}`);
      }
      await sleep(1_000);
    }
  }

  const discovery = discoverShards();

  return {
    drained: () =>
      new Promise<void>((resolve) => {
        // Two idle notifications: the first may come from a poll that started before the caller's write.
        let seen = 0;
        const wait = () => {
          idleWaiters.push(() => {
            seen += 1;
            if (seen >= 2) resolve();
            else wait();
          });
        };
        wait();
      }),
    async stop() {
      stopped = true;
      notifyIdle();
      await Promise.race([Promise.allSettled([discovery, ...running.values()]), sleep(2_000)]);
      client.destroy();
    },
  };
}

/**
 * Moves every shard's checkpoint past the records the stream holds now, so the poller, started after,
 * delivers only what is written later: what a table restored from a backup looks like on AWS, where the
 * new table's stream has no records for the items it starts with. For data seeded before start-up.
 */
export async function skipStreamBacklog(
  options: Pick<StreamPollerOptions, 'endpoint' | 'region' | 'streamArn' | 'checkpoints'>,
): Promise<number> {
  const client = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: options.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let skipped = 0;
  try {
    const shards: Shard[] = [];
    let startShard: string | undefined;
    do {
      const described = await client.send(
        new DescribeStreamCommand({ StreamArn: options.streamArn, ExclusiveStartShardId: startShard }),
      );
      shards.push(...(described.StreamDescription?.Shards ?? []));
      startShard = described.StreamDescription?.LastEvaluatedShardId;
    } while (startShard);
    for (const shard of shards) {
      const shardId = shard.ShardId as string;
      const checkpoint = await options.checkpoints.load(shardId);
      let iterator: string | undefined;
      try {
        iterator = (
          await client.send(
            new GetShardIteratorCommand({
              StreamArn: options.streamArn,
              ShardId: shardId,
              ShardIteratorType: checkpoint ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
              ...(checkpoint ? { SequenceNumber: checkpoint } : {}),
            }),
          )
        ).ShardIterator;
      } catch (error) {
        // A fresh shard with nothing in it yet: nothing to skip.
        if ((error as Error).name === 'TrimmedDataAccessException') continue;
        throw error;
      }
      let last: string | undefined;
      while (iterator) {
        const response = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records = response.Records ?? [];
        // DynamoDB Local answers with everything up to the shard's end, so an empty page is the end.
        if (records.length === 0) break;
        skipped += records.length;
        last = records.at(-1)?.dynamodb?.SequenceNumber ?? last;
        iterator = response.NextShardIterator;
      }
      if (last) await options.checkpoints.save(shardId, last);
    }
  } finally {
    client.destroy();
  }
  return skipped;
}

function toLambdaRecord(record: _Record, options: StreamPollerOptions): DynamoDBRecord {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? options.region,
    eventSourceARN: options.streamArn,
    dynamodb: {
      ApproximateCreationDateTime: created ? Math.floor(new Date(created).getTime() / 1000) : undefined,
      Keys: record.dynamodb?.Keys as Record<string, AttributeValue> as never,
      NewImage: record.dynamodb?.NewImage as Record<string, AttributeValue> as never,
      SequenceNumber: record.dynamodb?.SequenceNumber,
      SizeBytes: record.dynamodb?.SizeBytes,
      StreamViewType: record.dynamodb?.StreamViewType,
    },
  };
}
