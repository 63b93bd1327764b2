import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod';
import { before } from '../../domain/gates/gate-facts.ts';
import { decideRollback, type RollbackTrigger } from '../../domain/rollback/decide-rollback.ts';
import { adapters } from '../adapters/clients.ts';
import { stateKeys } from '../adapters/ledger-tables.ts';
import { appendDecision, policyAsOf, verifiedTrigger } from './ledger-reader.ts';
import { readPairHistory } from './pair-history.ts';

const AlarmDetailSchema = z.looseObject({
  alarmName: z.string(),
  state: z.looseObject({ value: z.string() }),
});

/**
 * `incident.opened` on the ledger bus, or a CloudWatch alarm entering ALARM, → `rollback.requested`
 * or `rollback.skipped`. One request per deployment: its identity is the deployment, so any number of
 * incidents and alarms, concurrent or late, add nothing once one was recorded.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<void> {
  if (event.source === 'aws.cloudwatch') return onAlarm(event);
  return onIncident(event);
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
  if (alarm.state.value !== 'ALARM') return;
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
