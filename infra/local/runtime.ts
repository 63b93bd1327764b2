import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../domain/auth/roles.ts';
import { DynamoDbTokenStore } from '../../functions/adapters/dynamodb-token-store.ts';
import { stateKeys } from '../../functions/adapters/ledger-tables.ts';
import {
  type FunctionName,
  functions,
  pipelineFunctions,
  routes,
  rules,
  type ScheduleSpec,
  schedules,
  streamRelay,
} from '../topology.ts';
import { installFunctionHost, runAsFunction } from './access-enforcement.ts';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { type BusRule, type EventBridgeEvent, type RunningEventBus, startEventBus } from './event-bus.ts';
import { functionWorkers } from './function-workers.ts';
import { createHttpAdapter, type LambdaHandler } from './http-adapter.ts';
import { lambdaContext } from './lambda-context.ts';
import { ensureLedgerTables } from './ledger-tables-local.ts';
import {
  type CheckpointStore,
  type RunningStreamPoller,
  skipStreamBacklog,
  startStreamPoller,
} from './stream-poller.ts';

export interface TokenSpec {
  readonly token: string;
  readonly tenant: string;
  readonly role: Role;
}

export interface LocalRuntimeOptions {
  /** HTTP port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** DynamoDB Local port; 0 picks a free one. @default 8000 */
  readonly dynamoDbPort?: number;
  /** Event bus stand-in port; 0 picks a free one. @default 0 */
  readonly busPort?: number;
  /** Where DynamoDB Local keeps its files; undefined runs it in memory. */
  readonly dataDir?: string | undefined;
  readonly tokens: readonly TokenSpec[];
  /** Rules added to the topology's (tests use these to observe the bus). */
  readonly extraRules?: readonly BusRule[];
  /**
   * Writes data before anything reacts to it, as if the tables had been restored from a backup: it runs
   * once the tables and tokens exist, with the handlers' environment set, and the relay's checkpoints
   * are then moved past everything in the stream, so no reaction sees it. The bench seeds its dashboard
   * history this way.
   */
  readonly seed?: (runtime: { dynamoDbEndpoint: string; tables: typeof LOCAL_TABLES }) => Promise<void>;
  readonly log?: (line: string) => void;
  /**
   * Whether each function's SDK calls are held to its IAM grants (infra/function-access.ts), failing
   * with AccessDeniedException as on AWS. @default true
   */
  readonly enforceAccess?: boolean;
  /**
   * The Ed25519 key that signs checkpoints (PKCS#8 PEM), created on first use. @default a fresh key in
   * a temporary directory (an in-memory ledger's checkpoints need not outlive it)
   */
  readonly checkpointKeyFile?: string | undefined;
  /**
   * How often the runtime's timer runs the schedules marked `local` (the post-release watch), in ms;
   * 0 turns the timer off (tests then call `runSchedule`). @default each schedule's own rate
   */
  readonly scheduleIntervalMs?: number | undefined;
  /**
   * Where the reactions run (the stream relay, every rule target, schedule and pipeline function): in
   * this process beside the API, or each function in its own worker thread, as each is its own Lambda
   * on AWS. The API's handlers and the token authorizer always run in this process. @default 'in-process'
   */
  readonly reactions?: ReactionsMode;
}

export type ReactionsMode = 'in-process' | 'workers';

export interface LocalRuntime {
  readonly apiUrl: string;
  readonly dynamoDbEndpoint: string;
  readonly busEndpoint: string;
  readonly bus: RunningEventBus;
  readonly tables: { readonly eventsTable: string; readonly stateTable: string };
  /** Invokes a function from the topology as Lambda would. */
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  /** Runs a schedule now, as its timer would (`at` is the scheduled time). */
  runSchedule(name: string, at?: Date): Promise<unknown>;
  readonly reactions: ReactionsMode;
  /** The reactions' worker threads running now (none in-process, and none once stopped). */
  reactionWorkers(): readonly { readonly function: string; readonly threadId: number }[];
  /**
   * Resolves once every ledger record written before the call has been relayed to the bus and every
   * rule's target has had it (the relay checkpoints a batch only after the bus delivered it): so a
   * benchmark phase can start with the reactions caught up instead of paying for the phase before.
   */
  reactionsDrained(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');
const REGION = 'us-east-1';
export const LOCAL_TABLES = {
  eventsTable: 'release-ledger-events',
  stateTable: 'release-ledger-state',
} as const;

/** The functions no HTTP request runs: on AWS, DynamoDB Streams, EventBridge or CodePipeline invoke them. */
export const reactionFunctions: readonly FunctionName[] = [
  ...new Set<FunctionName>([
    streamRelay.function,
    ...rules.map((rule) => rule.target),
    ...schedules.map((schedule) => schedule.function),
    ...pipelineFunctions,
  ]),
].filter((name) => name !== 'tokenAuthorizer' && !routes.some((route) => route.function === name));

/**
 * The whole system on one machine: DynamoDB Local, the tables, the same Lambda handlers behind an
 * API Gateway v2 stand-in, DynamoDB Streams polled into the same relay, and an EventBridge stand-in
 * running the topology's rules. Stops every child it started.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`stopping: ${(error as Error).message}`));
    }
  };
  try {
    const enforceAccess = options.enforceAccess ?? true;
    installFunctionHost({ enforceAccess, log });
    const dynamoDb: RunningDynamoDbLocal = await startDynamoDbLocal({
      port: options.dynamoDbPort === 0 ? undefined : (options.dynamoDbPort ?? 8000),
      dataDir: options.dataDir,
      log,
    });
    cleanups.push(() => dynamoDb.stop());

    const handlers = new Map<string, Promise<LambdaHandler>>();
    const handlerOf = (name: FunctionName): Promise<LambdaHandler> => {
      let loaded = handlers.get(name);
      if (!loaded) {
        const url = pathToFileURL(resolve(ROOT, functions[name].entry)).href;
        // Each invocation runs as its function, so its calls are authorised as that function's role.
        loaded = import(url).then(
          ({ handler }: { handler: LambdaHandler }): LambdaHandler =>
            (event, context) =>
              runAsFunction(name, () => handler(event, context)),
        );
        handlers.set(name, loaded);
      }
      return loaded;
    };
    const reactions = options.reactions ?? 'in-process';
    const workers = reactions === 'workers' ? functionWorkers({ root: ROOT, enforceAccess, log }) : undefined;
    // Stopped after the bus and the relay, whose in-flight deliveries still invoke them.
    if (workers) cleanups.push(() => workers.stop());
    const outOfProcess = new Set<FunctionName>(workers ? reactionFunctions : []);
    const invoke = async (name: FunctionName, event: unknown) => {
      const timeoutMs = ((functions[name] as { timeoutSeconds?: number }).timeoutSeconds ?? 10) * 1000;
      if (workers && outOfProcess.has(name)) return workers.invoke(name, event, timeoutMs);
      return (await handlerOf(name))(event, lambdaContext(name, timeoutMs));
    };

    const ruleTargets: BusRule[] = rules.map((rule) => ({
      name: rule.name,
      eventPattern: { ...rule.eventPattern },
      target: async (event: EventBridgeEvent) => {
        await invoke(rule.target, event);
      },
    }));
    const bus = await startEventBus({
      port: options.busPort ?? 0,
      rules: [...ruleTargets, ...(options.extraRules ?? [])],
      region: REGION,
      log,
    });
    cleanups.push(() => bus.close());

    // Handlers read their configuration from the environment, as on Lambda.
    Object.assign(process.env, {
      LEDGER_EVENTS_TABLE: LOCAL_TABLES.eventsTable,
      LEDGER_STATE_TABLE: LOCAL_TABLES.stateTable,
      LEDGER_DYNAMODB_ENDPOINT: dynamoDb.endpoint,
      LEDGER_EVENT_BUS_ENDPOINT: bus.endpoint,
      LEDGER_DASHBOARD_DIR: resolve(ROOT, 'infra/dashboard'),
      LEDGER_DASHBOARD_VENDOR_DIR: join(
        dirname(createRequire(import.meta.url).resolve('uplot/package.json')),
        'dist',
      ),
      AWS_REGION: REGION,
      LEDGER_CHECKPOINT_KEY_FILE:
        options.checkpointKeyFile ??
        join(mkdtempSync(join(tmpdir(), 'release-ledger-key-')), 'checkpoint-ed25519.pem'),
    });

    // Warm before anything reacts, as the bench needs them: a worker's start (tsx, the SDK, the handler)
    // would otherwise land on the first events' latencies. It overlaps the tables' creation; a handler
    // that cannot load fails the start.
    const workersStarted = workers?.start(reactionFunctions);
    workersStarted?.catch(() => undefined);

    const client = new DynamoDBClient({
      endpoint: dynamoDb.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    cleanups.push(async () => client.destroy());
    const documentClient = DynamoDBDocumentClient.from(client);
    await ensureLedgerTables(client, LOCAL_TABLES);
    const tokenStore = new DynamoDbTokenStore({
      client: documentClient,
      stateTable: LOCAL_TABLES.stateTable,
    });
    for (const token of options.tokens) await tokenStore.grant(token.token, token);

    const table = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLES.eventsTable }));
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn) throw new Error('the events table has no stream');
    const checkpoints: CheckpointStore = {
      load: async (shardId) => {
        const { Item } = await documentClient.send(
          new GetCommand({
            TableName: LOCAL_TABLES.stateTable,
            Key: stateKeys.checkpoint(`relay#${shardId}`),
          }),
        );
        return Item?.sequenceNumber as string | undefined;
      },
      save: async (shardId, sequenceNumber) => {
        await documentClient.send(
          new PutCommand({
            TableName: LOCAL_TABLES.stateTable,
            Item: { ...stateKeys.checkpoint(`relay#${shardId}`), sequenceNumber },
          }),
        );
      },
    };
    if (options.seed) {
      await options.seed({ dynamoDbEndpoint: dynamoDb.endpoint, tables: LOCAL_TABLES });
      const skipped = await skipStreamBacklog({
        endpoint: dynamoDb.endpoint,
        region: REGION,
        streamArn,
        checkpoints,
      });
      log(`seeded: the relay skips the ${skipped} stream records the seed wrote`);
    }
    await workersStarted;
    const poller: RunningStreamPoller = process.env.NO_POLLER
      ? { drained: async () => undefined, stop: async () => undefined }
      : startStreamPoller({
          endpoint: dynamoDb.endpoint,
          region: REGION,
          streamArn,
          batchSize: streamRelay.batchSize,
          // EventBridge keeps what PutEvents accepted; the stand-in holds it in memory. Checkpoint a batch only
          // once the bus has delivered it, so a crash redelivers from the stream instead of losing reactions.
          handler: async (event) => {
            const response = await invoke(streamRelay.function, event);
            await bus.idle();
            return response as never;
          },
          checkpoints,
          log,
        });
    cleanups.push(() => poller.stop());

    const runSchedule = (name: string, at = new Date()) => {
      const schedule = schedules.find((s) => s.name === name);
      if (!schedule) throw new Error(`no schedule ${name} in the topology`);
      return invoke(schedule.function, scheduledEvent(schedule, at));
    };
    for (const schedule of schedules.filter((s) => s.local)) {
      const interval = options.scheduleIntervalMs ?? rateMs(schedule.rate);
      if (interval <= 0) continue;
      // One run at a time, as EventBridge with the function's reserved concurrency of 1; stop waits for it.
      let running: Promise<unknown> | undefined;
      const timer = setInterval(() => {
        if (running) return;
        running = runSchedule(schedule.name)
          .catch((error: unknown) => log(`schedule ${schedule.name}: ${(error as Error).message}`))
          .finally(() => {
            running = undefined;
          });
      }, interval);
      cleanups.push(async () => {
        clearInterval(timer);
        await running;
      });
    }

    const server: Server = createHttpAdapter({
      routes,
      handlerFor: (route) => handlerOf(route.function),
      authorizer: () => handlerOf('tokenAuthorizer'),
      log,
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, '127.0.0.1', () => resolveListen());
    });
    cleanups.push(
      () =>
        new Promise<void>((resolveClose) => {
          server.closeAllConnections();
          server.close(() => resolveClose());
        }),
    );
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    return {
      apiUrl: `http://127.0.0.1:${port}`,
      dynamoDbEndpoint: dynamoDb.endpoint,
      busEndpoint: bus.endpoint,
      bus,
      tables: LOCAL_TABLES,
      invoke,
      runSchedule,
      reactions,
      reactionWorkers: () => workers?.running() ?? [],
      reactionsDrained: async () => {
        await poller.drained();
        await bus.idle();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** What EventBridge delivers to a scheduled rule's target. */
function scheduledEvent(schedule: ScheduleSpec, at: Date): EventBridgeEvent {
  return {
    version: '0',
    id: `${schedule.name}-${at.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString(),
    region: REGION,
    resources: [`arn:aws:events:${REGION}:000000000000:rule/${schedule.name}`],
    detail: {},
  };
}

function rateMs(rate: ScheduleSpec['rate']): number {
  const [, count = '0', unit = ''] = /^rate\((\d+) (\w+)\)$/.exec(rate) ?? [];
  const unitMs = unit.startsWith('minute') ? 60_000 : unit.startsWith('hour') ? 3_600_000 : 86_400_000;
  return Number(count) * unitMs;
}
