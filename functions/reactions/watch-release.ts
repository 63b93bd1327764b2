import type { Context, EventBridgeEvent } from 'aws-lambda';
import { isProductionEnvironment } from '../../domain/dora/definitions.ts';
import { finishesDeployment } from '../../domain/events/deployment-finish.ts';
import { isWatched, watchEnd, watchOutcome } from '../../domain/health/watch-outcome.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import { DEFAULT_WATCH_HOURS } from '../../domain/policies/health-policy.ts';
import { adapters } from '../adapters/clients.ts';
import { DynamoDbWatchIndex, type OpenWatch } from '../adapters/dynamodb-watch-index.ts';
import { appendDecision, policyAsOf, verifiedTrigger } from './ledger-reader.ts';
import { readPairHistory } from './pair-history.ts';

/** Due watches completed per Query; a run repeats until none are due or time runs short. */
const PAGE_SIZE = 25;
const STOP_BEFORE_MS = 20_000;

export interface WatchRun {
  readonly completed: number;
  /** False when the run stopped near its time limit; the next run carries on. */
  readonly complete: boolean;
}

/**
 * Two triggers, one watch. A production `deployment.succeeded` on the ledger bus opens a watch: an item
 * in the open-watch index, due when the policy's `watchHours` (in force when the deployment started) have
 * passed. The schedule (EventBridge on AWS, the local runtime's timer) completes the due ones: it appends
 * `release.watch.completed` under `watch:<deploymentId>`, so a watch opened twice (a duplicate delivery)
 * or after it ended (a late one) still records one outcome, and then removes the item.
 */
export async function handler(
  event: EventBridgeEvent<string, unknown>,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<WatchRun | undefined> {
  if (event.source === 'aws.events' || event['detail-type'] === 'Scheduled Event') {
    const now = Number.isNaN(Date.parse(event.time)) ? new Date() : new Date(event.time);
    return completeDueWatches(now, context);
  }
  await openWatch(event);
  return undefined;
}

async function openWatch(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const { eventStore: store, dynamoDb, config } = adapters();
  const trigger = await verifiedTrigger(store, event, ['deployment.succeeded', 'deployment.progressed']);
  if (!trigger) return;
  const { detail, data } = trigger;
  // A progressive deployment is watched from the step that gives it all traffic.
  if (!finishesDeployment({ type: detail.type, data })) return;
  const environment = String(data.environment);
  if (!isWatched(data, isProductionEnvironment(config.doraDefinitions, environment))) return;
  const deploymentId = String(data.deploymentId);
  const history = await store.readStream(detail.tenant, streamName('deployment', deploymentId));
  if (history.some((e) => e.type === 'release.watch.completed')) return;
  const service = await serviceOf(data, detail.tenant);
  if (!service) return;
  // The policy agreed before the deployment: in force when it started, or when it succeeded if no start.
  const started = history.find(
    (e) => (e.type === 'deployment.started' || e.type === 'deployment.progressed') && e.seq < detail.seq,
  );
  const policy = await policyAsOf(store, detail.tenant, service, environment, (started ?? detail).seq);
  const hours = policy?.policy.watchHours ?? DEFAULT_WATCH_HOURS;
  const index = new DynamoDbWatchIndex({ client: dynamoDb, stateTable: config.stateTable });
  await index.open({
    tenant: detail.tenant,
    deploymentId,
    service,
    environment,
    hours,
    dueAt: watchEnd(detail.occurredAt, hours),
  });
}

async function completeDueWatches(
  now: Date,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<WatchRun> {
  const { dynamoDb, config } = adapters();
  const index = new DynamoDbWatchIndex({ client: dynamoDb, stateTable: config.stateTable });
  let completed = 0;
  for (;;) {
    const due = await index.due(now.toISOString(), PAGE_SIZE);
    for (const watch of due) {
      await completeWatch(watch);
      await index.close(watch);
      completed += 1;
    }
    if (due.length < PAGE_SIZE) return { completed, complete: true };
    if ((context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY) < STOP_BEFORE_MS) {
      return { completed, complete: false };
    }
  }
}

async function completeWatch(watch: OpenWatch): Promise<void> {
  const { eventStore: store } = adapters();
  const [deploymentEvents, serviceEvents] = await Promise.all([
    store.readStream(watch.tenant, streamName('deployment', watch.deploymentId)),
    readPairHistory(store, watch.tenant, 'service', watch.service, watch.environment),
  ]);
  const outcome = watchOutcome({ ...watch, deploymentEvents, serviceEvents });
  if (!outcome) return;
  await appendDecision(
    store,
    watch.tenant,
    'release.watch.completed',
    `watch:${watch.deploymentId}`,
    outcome,
  );
}

/** The deployment's service: named on it, else its release's. */
async function serviceOf(data: Record<string, unknown>, tenant: string): Promise<string | undefined> {
  if (typeof data.service === 'string') return data.service;
  if (typeof data.releaseId !== 'string') return undefined;
  const { eventStore: store } = adapters();
  const release = await store.readStream(tenant, streamName('release', data.releaseId));
  const created = release.find((e) => e.type === 'release.created');
  const service = (created?.data as Record<string, unknown> | undefined)?.service;
  return typeof service === 'string' ? service : undefined;
}
