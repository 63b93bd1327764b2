import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface LedgerAlarmsProps {
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** The function reading DynamoDB Streams: its iterator age is how far the bus lags the ledger. */
  readonly relay: IFunction;
  /** @default Duration.minutes(5) */
  readonly maxRelayLag?: Duration;
  /** Subscribed to the alarm topic when given. */
  readonly email?: string | undefined;
}

/**
 * Alarms on what needs a person: anything in a dead-letter queue, the relay falling behind the ledger, and
 * any function's errors or throttles. All notify one encrypted SNS topic.
 */
export class LedgerAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: LedgerAlarmsProps) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      description: 'Release Ledger: encrypts alarm notifications',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes to an encrypted topic only if the key lets it.
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    for (const [name, queue] of props.deadLetterQueues) {
      this.alarm(
        `${name}DeadLetters`,
        `Messages are waiting in the ${name} dead-letter queue`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        1,
      );
    }
    const lag = props.maxRelayLag ?? Duration.minutes(5);
    this.alarm(
      'RelayIteratorAge',
      `The stream relay is more than ${lag.toHumanString()} behind the ledger`,
      props.relay.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
      lag.toMilliseconds(),
    );
    for (const [name, fn] of props.functions) {
      this.alarm(
        `${name}Errors`,
        `${name} failed`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      );
      this.alarm(
        `${name}Throttles`,
        `${name} was throttled`,
        fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      );
    }
  }

  private alarm(id: string, description: string, metric: IMetric, threshold: number): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened: no messages, no invocations.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
