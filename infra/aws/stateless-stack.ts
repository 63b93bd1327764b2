import { Aws, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { CfnEventBusPolicy, EventBus, type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  type FunctionName,
  type FunctionSpec,
  functions,
  LEDGER_BUS_SOURCE,
  pipelineFunctions,
  routes,
  rules,
  schedules,
  streamRelay,
} from '../topology.ts';
import { deadLetterQueue } from './dead-letter-queue.ts';
import { toCdkEventPattern } from './event-pattern.ts';
import { accessStatements, DEFAULT_ACCESS, functionAccess, type LedgerResources } from './function-access.ts';
import { LedgerAlarms } from './ledger-alarms.ts';
import { LedgerFunction } from './ledger-function.ts';
import { LedgerHttpApi } from './ledger-http-api.ts';
import { digestBucketName, type StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  readonly stage: string;
  readonly stateful: StatefulStack;
  /** @default true */
  readonly bundle?: boolean;
  /** Reserve concurrency for rule and schedule targets. @default true */
  readonly reserveConcurrency?: boolean;
  readonly alarmEmail?: string | undefined;
}

/** How EventBridge retries a target before its event goes to the target's DLQ. */
export const TARGET_RETRY = { retryAttempts: 8, maxEventAge: Duration.hours(4) } as const;
/** Reactions all append under their tenant's one ledger head; more at once would only contend on it. */
const REACTION_CONCURRENCY = 5;
const RELAY_RETRY = { retryAttempts: 10, maxRecordAge: Duration.hours(24) } as const;

/**
 * Everything that can be redeployed at will: every function in the topology, the HTTP API and its
 * routes, the stream relay, every EventBridge rule and schedule with its retries and DLQ, and the alarms.
 */
export class StatelessStack extends Stack {
  readonly functions = new Map<FunctionName, LedgerFunction>();
  readonly deadLetterQueues = new Map<string, Queue>();
  readonly api: LedgerHttpApi;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stateful } = props;
    const resources: LedgerResources = {
      eventsTableArn: stateful.eventsTable.tableArn,
      stateTableArn: stateful.stateTable.tableArn,
      dataKeyArn: stateful.dataKey.keyArn,
      eventBusArn: stateful.eventBus.eventBusArn,
      digestBucketArn: `arn:${Aws.PARTITION}:s3:::${digestBucketName(props.stage)}`,
      digestSigningKeyArn: stateful.digestSigningKey.keyArn,
      checkpointSigningKeyArn: stateful.checkpointSigningKey.keyArn,
      // CodePipeline's job result calls have no resource-level permissions.
      pipelineJobsArn: '*',
    };
    // The names functions/config.ts reads. The endpoint overrides stay unset: they are local-only.
    const environment = {
      LEDGER_EVENTS_TABLE: stateful.eventsTable.tableName,
      LEDGER_STATE_TABLE: stateful.stateTable.tableName,
      LEDGER_EVENT_BUS_NAME: stateful.eventBus.eventBusName,
      LEDGER_EVENT_SOURCE: LEDGER_BUS_SOURCE,
      // Every function may read checkpoints and proofs; only the tree reaction's role may sign with it.
      LEDGER_CHECKPOINT_SIGNING_KEY: stateful.checkpointSigningKey.keyArn,
      LEDGER_NAME: `release-ledger-${props.stage}`,
    };
    const digestEnvironment = {
      LEDGER_DIGEST_BUCKET: digestBucketName(props.stage),
      LEDGER_DIGEST_SIGNING_KEY: stateful.digestSigningKey.keyArn,
    };

    const asyncTargets = new Set<FunctionName>([
      ...rules.map((rule) => rule.target),
      ...schedules.map((schedule) => schedule.function),
      ...pipelineFunctions,
    ]);
    const scheduled = new Set<FunctionName>(schedules.map((schedule) => schedule.function));
    const specs = Object.entries(functions) as [FunctionName, FunctionSpec][];
    for (const [name, spec] of specs) {
      const isAsync = asyncTargets.has(name);
      const dlq = isAsync ? this.deadLetterQueue(name) : undefined;
      const concurrency = scheduled.has(name) ? 1 : REACTION_CONCURRENCY;
      const fn = new LedgerFunction(this, name, {
        entry: spec.entry,
        description: spec.description,
        environment: name === 'sealDigest' ? { ...environment, ...digestEnvironment } : environment,
        ...(spec.timeoutSeconds ? { timeout: Duration.seconds(spec.timeoutSeconds) } : {}),
        ...(isAsync && (props.reserveConcurrency ?? true)
          ? { reservedConcurrentExecutions: concurrency }
          : {}),
        bundle: props.bundle ?? true,
        ...('staticAssets' in spec ? { staticAssets: spec.staticAssets } : {}),
      });
      if (dlq) {
        // Lambda's own retries of a failed asynchronous invocation; then the event, with the error, goes to
        // the same queue EventBridge uses for events it could not deliver.
        fn.function.configureAsyncInvoke({
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          onFailure: new SqsDestination(dlq),
        });
      }
      const access = functionAccess[name];
      if (!access) {
        Validations.of(fn).addWarning(
          'ledger-undeclared-access',
          `${name} has no entry in infra/function-access.ts and gets ${DEFAULT_ACCESS.join(', ')}; declare what it needs`,
        );
      }
      for (const statement of accessStatements(access ?? DEFAULT_ACCESS, resources))
        fn.role.addToPolicy(statement);
      this.acknowledgeFunctionFindings(fn, name, isAsync);
      if ((access ?? DEFAULT_ACCESS).includes('digest-seal')) {
        // cdk-nag names the finding after the rendered ARN, pseudo parameters as <AWS::...>.
        const bucket = digestBucketName(props.stage)
          .replace(Aws.ACCOUNT_ID, '<AWS::AccountId>')
          .replace(Aws.REGION, '<AWS::Region>');
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/digests/*]`,
          reason:
            'The sealer writes one object per tenant and head (digests/<tenant>/<seq>-<hash>.json), so its grant is the digests/ prefix; Object Lock makes every written object immutable.',
        });
      }
      if ((access ?? DEFAULT_ACCESS).includes('checkpoint-archive')) {
        const bucket = digestBucketName(props.stage)
          .replace(Aws.ACCOUNT_ID, '<AWS::AccountId>')
          .replace(Aws.REGION, '<AWS::Region>');
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/checkpoints/*]`,
          reason:
            'The sealer archives one object per tenant and tree size (checkpoints/<tenant>/<size>.txt), so its grant is the checkpoints/ prefix; Object Lock makes every written object immutable.',
        });
      }
      this.functions.set(name, fn);
    }
    const handlerOf = (name: FunctionName) => this.fn(name).function;

    this.api = new LedgerHttpApi(this, 'Http', {
      apiName: `release-ledger-${props.stage}`,
      routes,
      handlerOf,
      authorizer: handlerOf('tokenAuthorizer'),
    });

    const relay = handlerOf(streamRelay.function);
    const relayFailures = this.deadLetterQueue('streamRelayFailures');
    relay.addEventSource(
      new DynamoEventSource(stateful.eventsTable, {
        // From the oldest record still in the stream, so a fresh or re-created relay misses nothing.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: streamRelay.batchSize,
        // The handler reports the first record it could not publish; Lambda retries from there, halving
        // a failing batch to isolate a poison record, and after the retries sends its position to the DLQ.
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        ...RELAY_RETRY,
        onFailure: new SqsDlq(relayFailures),
        // Event items are only ever inserted; the handler also skips stream pointers.
        filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })],
      }),
    );

    // Only the relay publishes on the ledger bus: the bus refuses PutEvents from every other principal of
    // the account (AWS services excepted, e.g. archive replays), so an event on it was read off the
    // ledger's stream unless the relay's role itself was misused. Declared here, beside the role, because
    // the bus's stack cannot name a role of this one without a cycle.
    new CfnEventBusPolicy(this, 'BusPublishers', {
      eventBusName: stateful.eventBus.eventBusName,
      statementId: 'only-the-relay-publishes',
      statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: stateful.eventBus.eventBusArn,
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': this.fn(streamRelay.function).role.roleArn },
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
        },
      },
    });

    const buses = new Map<'ledger' | 'default', IEventBus>([
      ['ledger', stateful.eventBus],
      ['default', EventBus.fromEventBusName(this, 'DefaultBus', 'default')],
    ]);
    for (const rule of rules) {
      new Rule(this, `Rule-${rule.name}`, {
        ruleName: `release-ledger-${props.stage}-${rule.name}`,
        description: rule.description,
        eventBus: buses.get(rule.bus ?? 'ledger'),
        eventPattern: toCdkEventPattern(rule.eventPattern),
        targets: [this.target(rule.target)],
      });
    }
    for (const schedule of schedules) {
      new Rule(this, `Schedule-${schedule.name}`, {
        ruleName: `release-ledger-${props.stage}-${schedule.name}`,
        description: `Runs ${schedule.function} ${schedule.rate}`,
        schedule: Schedule.expression(schedule.rate),
        targets: [this.target(schedule.function)],
      });
    }

    new LedgerAlarms(this, 'Alarms', {
      functions: new Map([...this.functions].map(([name, fn]) => [name, fn.function])),
      deadLetterQueues: this.deadLetterQueues,
      relay,
      email: props.alarmEmail,
    });

    new CfnOutput(this, 'CodePipelineGateFunctionName', {
      value: this.fn('codePipelineGate').function.functionName,
      description:
        'The function a CodePipeline stage condition’s LambdaInvoke rule names (docs/pipelines.md)',
    });
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the API (routes start /v1)',
    });
  }

  private fn(name: FunctionName): LedgerFunction {
    const fn = this.functions.get(name);
    if (!fn) throw new Error(`the topology names function '${name}', which it does not declare`);
    return fn;
  }

  private deadLetterQueue(name: string): Queue {
    const queue = deadLetterQueue(this, `${name}DeadLetters`);
    this.deadLetterQueues.set(name, queue);
    return queue;
  }

  /** A rule's target: the function, with EventBridge's retry policy and the function's DLQ. */
  private target(name: FunctionName): LambdaFunction {
    const dlq = this.deadLetterQueues.get(name);
    if (!dlq) throw new Error(`${name} is a rule target without a dead-letter queue`);
    return new LambdaFunction(this.fn(name).function, { deadLetterQueue: dlq, ...TARGET_RETRY });
  }

  /** The cdk-nag findings every ledger function raises by design, each with its reason. */
  private acknowledgeFunctionFindings(fn: LedgerFunction, name: FunctionName, isAsync: boolean): void {
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions' +
        (name === streamRelay.function
          ? '; nor has dynamodb:ListStreams, which the DynamoDB Streams event source mapping needs.'
          : pipelineFunctions.includes(name)
            ? '; nor have codepipeline:PutJobSuccessResult/PutJobFailureResult, which report the job CodePipeline handed the gate.'
            : '.'),
    });
    if (isAsync) {
      Validations.of(fn.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Failed asynchronous invocations go to an on-failure destination (the same SQS queue), which unlike a DLQ keeps the error with the event; configuring both would queue each failure twice.',
      });
    } else {
      const reason = `${name} is only invoked synchronously (API Gateway or the stream's event source mapping, which has its own on-failure destination); its errors go back to the caller, so there is no asynchronous invocation to dead-letter.`;
      Validations.of(fn.function).acknowledge(
        { id: 'Serverless-LambdaDLQ', reason },
        { id: 'Serverless-LambdaAsyncFailureDestination', reason },
      );
    }
  }
}
