import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableDefinitions } from '../../functions/adapters/ledger-tables.ts';
import { EVENT_MUTATIONS } from '../../infra/aws/stateful-stack.ts';
import { TARGET_RETRY } from '../../infra/aws/stateless-stack.ts';
import {
  type FunctionName,
  functions,
  pipelineFunctions,
  routes,
  rules,
  STAGE_THROTTLE,
  schedules,
  streamRelay,
} from '../../infra/topology.ts';
import { resourcesOf, type SynthesizedLedger, synthesizeLedger } from './ledger-app.ts';

let ledger: SynthesizedLedger;
beforeAll(() => {
  ledger = synthesizeLedger();
});

const functionNames = Object.keys(functions) as FunctionName[];
const getAttArn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('the stateful stack', () => {
  it.each(['events', 'state'] as const)('protects the %s table and keys it as the store does', (kind) => {
    const definition = tableDefinitions[kind];
    ledger.statefulTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        TableName: `release-ledger-test-${kind}`,
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: definition.partitionKey.name, AttributeType: definition.partitionKey.type },
          { AttributeName: definition.sortKey.name, AttributeType: definition.sortKey.type },
          ...('headIndex' in definition
            ? [
                {
                  AttributeName: definition.headIndex.partitionKey.name,
                  AttributeType: definition.headIndex.partitionKey.type,
                },
              ]
            : []),
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: getAttArn(
            ledger.stateful.getLogicalId(ledger.stateful.dataKey.node.defaultChild as never),
          ),
        },
      }),
    });
  });

  it('indexes ledger heads, keys only, in a sparse index of the state table (what the sealer queries)', () => {
    const { headIndex } = tableDefinitions.state;
    ledger.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'release-ledger-test-state',
      GlobalSecondaryIndexes: [
        {
          IndexName: headIndex.name,
          KeySchema: [{ AttributeName: headIndex.partitionKey.name, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
    const events = resourcesOf(ledger.statefulTemplate, 'AWS::DynamoDB::Table').find(
      ([, p]) => p.TableName === 'release-ledger-test-events',
    )?.[1];
    expect(events?.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('streams new images of the events table only', () => {
    const [events, state] = ['events', 'state'].map(
      (kind) =>
        resourcesOf(ledger.statefulTemplate, 'AWS::DynamoDB::Table').find(
          ([, p]) => p.TableName === `release-ledger-test-${kind}`,
        )?.[1],
    );
    expect(events?.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    expect(state?.StreamSpecification).toBeUndefined();
  });

  it("denies every principal updating or deleting event items in the events table's own policy", () => {
    ledger.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'release-ledger-test-events',
      ResourcePolicy: {
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: [...EVENT_MUTATIONS],
            }),
          ],
        },
      },
    });
  });

  it('keeps digests in a versioned Object Lock bucket in compliance mode, signed by an ECC P-256 key', () => {
    ledger.statefulTemplate.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } },
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: Match.objectLike({
          BlockPublicAcls: true,
          RestrictPublicBuckets: true,
        }),
      }),
    });
    ledger.statefulTemplate.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    });
    ledger.statefulTemplate.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: Match.absent(),
      EnableKeyRotation: true,
    });
  });

  it('creates the Ed25519 checkpoint key, kept after the stack, and tells the functions which it is', () => {
    ledger.statefulTemplate.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ KeySpec: 'ECC_NIST_EDWARDS25519', KeyUsage: 'SIGN_VERIFY' }),
    });
    ledger.statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('extend the tenant Merkle tree'),
      Environment: {
        Variables: Match.objectLike({
          LEDGER_CHECKPOINT_SIGNING_KEY: Match.anyValue(),
          LEDGER_NAME: 'release-ledger-test',
        }),
      },
    });
    // The full verification job may run as long as Lambda allows, continuing itself through the bus.
    ledger.statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('verify the chain from seq 1'),
      Timeout: 900,
    });
  });

  it('archives every ledger event published on the bus', () => {
    ledger.statefulTemplate.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'release-ledger-test-bus',
    });
    ledger.statefulTemplate.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['release-ledger'] },
      RetentionDays: 365,
    });
  });
});

describe('the stateless stack', () => {
  it('deploys every function of the topology, arm64 on nodejs22.x with tracing and its own log group', () => {
    const deployed = resourcesOf(ledger.statelessTemplate, 'AWS::Lambda::Function');
    expect(deployed).toHaveLength(functionNames.length);
    for (const name of functionNames) {
      const properties = deployed.find(([id]) => id === ledger.logicalIdOf(name))?.[1];
      expect(properties, name).toMatchObject({
        Description: functions[name].description,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
        Timeout: (functions[name] as { timeoutSeconds?: number }).timeoutSeconds ?? 10,
      });
    }
  });

  it('gives every function the table and bus names and never the local-only endpoints', () => {
    for (const [, properties] of resourcesOf(ledger.statelessTemplate, 'AWS::Lambda::Function')) {
      const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(variables)).toEqual(
        expect.arrayContaining([
          'LEDGER_EVENTS_TABLE',
          'LEDGER_STATE_TABLE',
          'LEDGER_EVENT_BUS_NAME',
          'LEDGER_EVENT_SOURCE',
        ]),
      );
      expect(variables).not.toHaveProperty('LEDGER_DYNAMODB_ENDPOINT');
      expect(variables).not.toHaveProperty('LEDGER_EVENT_BUS_ENDPOINT');
      expect(variables).not.toHaveProperty('AWS_REGION');
    }
  });

  it('routes every topology route to its function, with the token authorizer exactly where declared', () => {
    const apiRoutes = resourcesOf(ledger.statelessTemplate, 'AWS::ApiGatewayV2::Route');
    const integrations = new Map(resourcesOf(ledger.statelessTemplate, 'AWS::ApiGatewayV2::Integration'));
    expect(apiRoutes).toHaveLength(routes.length);
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const found = apiRoutes.find(([, p]) => p.RouteKey === key)?.[1];
      expect(found, key).toBeDefined();
      expect(found?.AuthorizationType, key).toBe(route.authorized ? 'CUSTOM' : 'NONE');
      expect(found?.AuthorizerId !== undefined, key).toBe(route.authorized);
      const target = found?.Target as { 'Fn::Join': [string, [string, { Ref: string }]] } | undefined;
      const integrationId = target?.['Fn::Join'][1][1].Ref ?? '';
      expect(integrations.get(integrationId)?.IntegrationUri, key).toEqual(
        getAttArn(ledger.logicalIdOf(route.function)),
      );
      expect(integrations.get(integrationId)?.PayloadFormatVersion, key).toBe('2.0');
    }
  });

  it('runs the token authorizer on every request (no identity source, no cache) with simple responses', () => {
    ledger.statelessTemplate.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    ledger.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: Match.absent(),
      AuthorizerUri: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([getAttArn(ledger.logicalIdOf('tokenAuthorizer'))])],
      }),
    });
  });

  it('throttles the API and writes JSON access logs naming the caller', () => {
    ledger.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"tenant":"\\$context.authorizer.tenant"'),
      },
    });
    ledger.statelessTemplate.hasOutput('ApiUrl', {});
  });

  it('gives each route that declares a throttle its own, below the stage’s, webhooks lowest of the tenants’ routes', () => {
    const throttled = routes.filter((route) => route.throttle);
    expect(throttled.map((route) => `${route.method} ${route.path}`)).toContain(
      'POST /v1/webhooks/{provider}',
    );
    const [, stage] = resourcesOf(ledger.statelessTemplate, 'AWS::ApiGatewayV2::Stage')[0] ?? [];
    expect(stage?.RouteSettings).toEqual(
      Object.fromEntries(
        throttled.map((route) => [
          `${route.method} ${route.path}`,
          {
            ThrottlingRateLimit: route.throttle?.rateLimit,
            ThrottlingBurstLimit: route.throttle?.burstLimit,
          },
        ]),
      ),
    );
    for (const route of throttled) expect(route.throttle?.rateLimit).toBeLessThan(STAGE_THROTTLE.rateLimit);
    const webhook = routes.find((route) => route.function === 'receiveWebhook' && route.method === 'POST');
    expect(webhook?.throttle?.rateLimit).toBeLessThanOrEqual(10);
  });

  it('relays INSERTs from the events stream with bisection, partial batch failures and a failure destination', () => {
    ledger.statelessTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ledger.logicalIdOf(streamRelay.function) },
      EventSourceArn: Match.anyValue(),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: streamRelay.batchSize,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
  });

  it('creates every topology rule with the same pattern, on its bus, targeting its function with retries and a DLQ', () => {
    const created = resourcesOf(ledger.statelessTemplate, 'AWS::Events::Rule');
    for (const rule of rules) {
      const properties = created.find(([, p]) => p.Name === `release-ledger-test-${rule.name}`)?.[1];
      expect(properties, rule.name).toBeDefined();
      expect(properties?.EventPattern, rule.name).toEqual(rule.eventPattern);
      if (rule.bus === 'default') expect(properties?.EventBusName, rule.name).toBe('default');
      else
        expect(properties?.EventBusName, rule.name).toEqual(
          expect.objectContaining({ 'Fn::ImportValue': expect.any(String) }),
        );
      expect(properties?.Targets, rule.name).toEqual([
        expect.objectContaining({
          Arn: getAttArn(ledger.logicalIdOf(rule.target)),
          RetryPolicy: {
            MaximumRetryAttempts: TARGET_RETRY.retryAttempts,
            MaximumEventAgeInSeconds: TARGET_RETRY.maxEventAge.toSeconds(),
          },
          DeadLetterConfig: { Arn: expect.anything() },
        }),
      ]);
    }
  });

  it('runs every schedule with retries and a DLQ', () => {
    for (const schedule of schedules) {
      ledger.statelessTemplate.hasResourceProperties('AWS::Events::Rule', {
        Name: `release-ledger-test-${schedule.name}`,
        ScheduleExpression: schedule.rate,
        Targets: [
          Match.objectLike({
            Arn: getAttArn(ledger.logicalIdOf(schedule.function)),
            RetryPolicy: Match.objectLike({ MaximumRetryAttempts: TARGET_RETRY.retryAttempts }),
            DeadLetterConfig: Match.anyValue(),
          }),
        ],
      });
    }
  });

  it("sends every asynchronous target's failed invocations to its dead-letter queue", () => {
    const targets = new Set<FunctionName>([
      ...rules.map((r) => r.target),
      ...schedules.map((s) => s.function),
      ...pipelineFunctions,
    ]);
    const configs = resourcesOf(ledger.statelessTemplate, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(targets.size);
    for (const name of targets) {
      const config = configs.find(
        ([, p]) => (p.FunctionName as { Ref: string }).Ref === ledger.logicalIdOf(name),
      )?.[1];
      expect(config, name).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
      });
    }
  });

  it('encrypts every dead-letter queue and requires TLS to it', () => {
    const queues = resourcesOf(ledger.statelessTemplate, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    for (const [id, properties] of queues) {
      expect(properties.SqsManagedSseEnabled, id).toBe(true);
      ledger.statelessTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('alarms on every DLQ, the relay iterator age, and every function’s errors and throttles', () => {
    const alarms = resourcesOf(ledger.statelessTemplate, 'AWS::CloudWatch::Alarm').map(([, p]) => p);
    const queues = resourcesOf(ledger.statelessTemplate, 'AWS::SQS::Queue');
    const metric = (name: string) => alarms.filter((a) => a.MetricName === name);
    expect(metric('ApproximateNumberOfMessagesVisible')).toHaveLength(queues.length);
    expect(metric('IteratorAge')).toHaveLength(1);
    expect(metric('Errors')).toHaveLength(functionNames.length);
    expect(metric('Throttles')).toHaveLength(functionNames.length);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: expect.any(String) }]);
  });
});
