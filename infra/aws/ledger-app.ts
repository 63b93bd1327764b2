import type { App } from 'aws-cdk-lib';
import type { DeployContext } from './deploy-context.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface LedgerStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** The two stacks of one stage. `bundle: false` is for assertion tests only (inline stub code). */
export function addLedgerStacks(
  app: App,
  context: DeployContext,
  options: { bundle?: boolean } = {},
): LedgerStacks {
  const prefix = `ReleaseLedger-${context.stage}`;
  const env = context.env ? { env: context.env } : {};
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    ...env,
    stage: context.stage,
    digestRetentionDays: context.digestRetentionDays,
    description: 'Release Ledger: tables, keys, digest bucket and event bus (retained)',
    terminationProtection: context.stage === 'prod',
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    ...env,
    stage: context.stage,
    stateful,
    bundle: options.bundle ?? true,
    reserveConcurrency: context.reserveConcurrency,
    alarmEmail: context.alarmEmail,
    description: 'Release Ledger: functions, HTTP API, stream relay, rules, schedules and alarms',
  });
  stateless.addDependency(stateful);
  return { stateful, stateless };
}
