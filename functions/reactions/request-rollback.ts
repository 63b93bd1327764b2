import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { isProductionEnvironment } from '../../domain/dora/definitions.ts';
import { before } from '../../domain/gates/gate-facts.ts';
import { LEDGER_SOURCE } from '../../domain/ledger/append-plan.ts';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../../domain/ledger/hash-chain.ts';
import { escapeIdPart } from '../../domain/ledger/streams.ts';
import { IdempotencyConflictError } from '../../domain/ports/event-store.ts';
import { decideRollback, type RollbackTrigger } from '../../domain/rollback/decide-rollback.ts';
import { mayTrigger } from '../../domain/rollback/rollback-triggers.ts';
import { decideTriggerRollback } from '../../domain/rollback/trigger-rollback.ts';
import { adapters } from '../adapters/clients.ts';
import { stateKeys } from '../adapters/ledger-tables.ts';
import { appendDecision, policyAsOf, verifiedTrigger } from './ledger-reader.ts';
import { readPairHistory } from './pair-history.ts';

const AlarmStateSchema = z.looseObject({
  value: z.string(),
  timestamp: z.string().optional(),
  reason: z.string().optional(),
});
const AlarmDetailSchema = z.looseObject({
  alarmName: z.string(),
  state: AlarmStateSchema,
  previousState: AlarmStateSchema.optional(),
});

/**
 * `incident.opened` on the ledger bus, a CloudWatch alarm entering ALARM, or a `metric.observed` that
 * makes a trigger agreed for the latest deployment fire → `rollback.requested` or `rollback.skipped`.
 * One request per deployment: its identity is the deployment, so any number of incidents, alarms and
 * triggers, concurrent or late, add nothing once one was recorded. A CloudWatch alarm entering ALARM or
 * OK is also recorded as `alert.fired` / `alert.resolved` of each pair whose policy names it.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<void> {
  if (event.source === 'aws.cloudwatch') return onAlarm(event);
  if (event['detail-type'] === 'metric.observed') return onMetric(event);
  return onIncident(event);
}

async function onMetric(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const { eventStore: store, config } = adapters();
  const verified = await verifiedTrigger(store, event, ['metric.observed']);
  if (!verified) return;
  const { detail, data } = verified;
  const service = String(data.service);
  const environment = String(data.environment);
  // Only production deployments are watched (the environments DORA counts as production).
  if (!isProductionEnvironment(config.doraDefinitions, environment)) return;
  const metric = String(data.metric);
  // The policy stream is small; the service's history (every sample) is read only if a trigger may apply.
  const policyHistory = await readPairHistory(store, detail.tenant, 'policy', service, environment);
  if (!mayTrigger(policyHistory, metric)) return;
  const history = await readPairHistory(store, detail.tenant, 'service', service, environment);
  const outcome = decideTriggerRollback({
    service,
    environment,
    metric,
    now: detail.recordedAt,
    // Up to and including the sample: a duplicate or late delivery re-decides the same.
    serviceEvents: before(detail.seq + 1, history),
    policyHistory,
  });
  if (outcome) await record(detail.tenant, outcome.decision, outcome.triggerKey);
}

async function onIncident(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const { eventStore: store } = adapters();
  const verified = await verifiedTrigger(store, event, ['incident.opened']);
  if (!verified) return;
  const { detail, data } = verified;
  const service = String(data.service);
  const environment = String(data.environment);
  const trigger: RollbackTrigger = {
    incidentId: String(data.incidentId),
    severity: String(data.severity),
    deploymentId: typeof data.deploymentId === 'string' ? data.deploymentId : undefined,
  };
  const [policy, history] = await Promise.all([
    policyAsOf(store, detail.tenant, service, environment, detail.seq),
    readPairHistory(store, detail.tenant, 'service', service, environment),
  ]);
  const decision = decideRollback({
    service,
    environment,
    trigger,
    triggeredAt: detail.occurredAt,
    policy,
    serviceEvents: before(detail.seq, history),
  });
  await record(detail.tenant, decision, `incident:${trigger.incidentId}`);
}

async function onAlarm(event: EventBridgeEvent<string, unknown>): Promise<void> {
  const alarm = AlarmDetailSchema.parse(event.detail);
  if (alarm.state.value !== 'ALARM' && alarm.state.value !== 'OK') return;
  const { eventStore: store, dynamoDb, config } = adapters();
  // Policies index the alarms they name; the policy in force is re-checked, so a stale entry is harmless.
  const { Items = [] } = await dynamoDb.send(
    new QueryCommand({
      TableName: config.stateTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': stateKeys.alarmSubscriptions(alarm.alarmName) },
      ConsistentRead: true,
    }),
  );
  const trigger: RollbackTrigger = { alarmName: alarm.alarmName, alarmArn: event.resources?.[0] };
  for (const item of Items) {
    const tenant = String(item.tenant);
    const service = String(item.service);
    const environment = String(item.environment);
    const policy = await policyAsOf(store, tenant, service, environment);
    if (!policy?.policy.autoRollback?.alarms.includes(alarm.alarmName)) continue;
    await recordAlert(tenant, service, environment, event, alarm);
    if (alarm.state.value !== 'ALARM') continue;
    const history = await readPairHistory(store, tenant, 'service', service, environment);
    const decision = decideRollback({
      service,
      environment,
      trigger,
      triggeredAt: event.time,
      policy,
      serviceEvents: history,
    });
    await record(tenant, decision, `alarm:${alarm.alarmName}:${event.id}`);
  }
}

async function record(tenant: string, decision: ReturnType<typeof decideRollback>, triggerKey: string) {
  const { eventStore: store } = adapters();
  const id =
    decision.type === 'rollback.requested'
      ? `rollback:${decision.data.deploymentId}`
      : `rollback-skipped:${triggerKey}`;
  await appendDecision(store, tenant, decision.type, id, decision.data);
}

/**
 * The alarm's state change as the pair's `alert.fired` (ALARM) or `alert.resolved` (OK after ALARM).
 * One alarm episode is one alert, keyed by when it entered ALARM (the OK's `previousState.timestamp`),
 * so a redelivered state change is stored once; the CloudWatch event is kept verbatim as the original.
 */
async function recordAlert(
  tenant: string,
  service: string,
  environment: string,
  event: EventBridgeEvent<string, unknown>,
  alarm: z.infer<typeof AlarmDetailSchema>,
): Promise<void> {
  const fired = alarm.state.value === 'ALARM';
  // An OK that ends INSUFFICIENT_DATA, not an alarm, resolves nothing.
  if (!fired && alarm.previousState && alarm.previousState.value !== 'ALARM') return;
  const instant = (timestamp: string | undefined) => {
    const at = Date.parse(timestamp ?? '');
    return Number.isNaN(at) ? event.time : new Date(at).toISOString();
  };
  const startsAt = instant(fired ? alarm.state.timestamp : alarm.previousState?.timestamp);
  const type = fired ? 'alert.fired' : 'alert.resolved';
  const alarmArn = event.resources?.[0];
  const data = {
    alertId: alarmArn ?? alarm.alarmName,
    name: alarm.alarmName,
    service,
    environment,
    startsAt,
    ...(alarmArn ? { alarmArn } : {}),
    ...(alarm.state.reason ? { reason: alarm.state.reason } : {}),
  };
  const pair = `${escapeIdPart(service, '/')}/${escapeIdPart(environment, '/')}`;
  const id = `alert:cloudwatch:${pair}/${alarm.alarmName}/${startsAt}/${fired ? 'fired' : 'resolved'}`;
  try {
    await adapters().eventStore.appendEvents(tenant, [
      {
        source: LEDGER_SOURCE,
        id,
        type,
        occurredAt: instant(alarm.state.timestamp),
        data,
        original: { format: 'derived', payload: event },
        payloadHash: sha256Hex(canonicalJson({ type, data })),
      },
    ]);
  } catch (error) {
    // The episode is already recorded (a re-sent change with another reason text): keep the first, go on.
    if (!(error instanceof IdempotencyConflictError)) throw error;
    console.warn(
      JSON.stringify({ level: 'warn', message: 'alarm state change already recorded', tenant, id }),
    );
  }
}
