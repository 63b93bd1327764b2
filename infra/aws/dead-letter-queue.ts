import { Duration, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const IS_A_DLQ =
  'This queue is itself a dead-letter queue (of an EventBridge target, a Lambda function or an event ' +
  'source mapping); messages are inspected and redriven by an operator, not consumed, so it has no DLQ.';

/**
 * A queue for what could not be delivered or processed: kept 14 days (SQS's maximum), encrypted, TLS only.
 * SQS-managed encryption because EventBridge and Lambda can then write to it without a key policy.
 */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  Validations.of(queue).acknowledge(
    { id: 'AwsSolutions-SQS3', reason: IS_A_DLQ },
    { id: 'Serverless-SQSRedrivePolicy', reason: IS_A_DLQ },
  );
  return queue;
}
