import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { EventBridgeServiceException } from '@aws-sdk/client-eventbridge';
import { KMSServiceException } from '@aws-sdk/client-kms';
import { S3ServiceException } from '@aws-sdk/client-s3';
import type { InitializeMiddleware, MiddlewareStack } from '@smithy/types';
import { STATE_KEY, tableDefinitions } from '../../functions/adapters/ledger-tables.ts';
import { setFunctionHost } from '../../functions/adapters/per-configuration.ts';
import { type FunctionConfig, readConfig } from '../../functions/config.ts';
import {
  accessGrants,
  DEFAULT_ACCESS,
  functionAccess,
  type Grant,
  type LedgerResource,
  REGION_PLACEHOLDER,
} from '../function-access.ts';
import type { FunctionName } from '../topology.ts';

/** The account local ARNs are in (DynamoDB Local's own). */
const ACCOUNT = '000000000000';

/** One authorisation IAM makes for a call: a batch or transaction makes one per table or item. */
export interface AuthorizationRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys the request carries (`dynamodb:LeadingKeys`, `kms:SigningAlgorithm`, ...). */
  readonly context: Readonly<Record<string, readonly string[]>>;
}

const running = new AsyncLocalStorage<FunctionName>();
let enforcing = true;
let reportDenial: (line: string) => void = () => undefined;

/** Runs `work` as the function `name`: its SDK calls are authorised against that function's grants. */
export function runAsFunction<T>(name: FunctionName, work: () => T): T {
  return running.run(name, work);
}

/**
 * Makes this process host the functions as the local runtime does: each function gets its own stores,
 * and every SDK client a function creates refuses, as AWS's IAM would, each call the function's role
 * (infra/function-access.ts) does not grant. Calls made outside any function (the runtime's own setup,
 * a test's assertions) are not a function's and pass.
 */
export function installFunctionHost(options: {
  readonly enforceAccess: boolean;
  /** Told of every refused call (a handler may turn the error into a 5xx, or a reaction retry it). */
  readonly log?: (line: string) => void;
}): void {
  enforcing = options.enforceAccess;
  reportDenial = options.log ?? (() => undefined);
  setFunctionHost({
    currentFunction: () => running.getStore(),
    onClient: (client) => {
      const stack = (client as { middlewareStack: MiddlewareStack<object, object> }).middlewareStack;
      // First of all, as IAM decides before the service sees anything (and before credentials are resolved).
      stack.add(enforceAccess, {
        step: 'initialize',
        priority: 'high',
        name: 'localIamEnforcement',
        override: true,
      });
    },
  });
}

// The document client's commands arrive unmarshalled (plain key values), the low-level client's marshalled.
const enforceAccess: InitializeMiddleware<object, object> = (next, context) => async (args) => {
  const name = running.getStore();
  if (!enforcing || name === undefined) return next(args);
  const clientName = String(context.clientName ?? '');
  const command = String(context.commandName ?? '').replace(/Command$/, '');
  const config = readConfig();
  const grants = accessGrants(functionAccess[name] ?? DEFAULT_ACCESS);
  for (const request of authorizationRequests(clientName, command, args.input, config)) {
    if (!grantsAllow(grants, request, resourceArns(config), config.region)) {
      const denied = accessDenied(clientName, name, request);
      reportDenial(denied.message);
      throw denied;
    }
  }
  return next(args);
};

/** The ARN of each ledger resource, for the configuration the functions run with. */
export function resourceArns(config: FunctionConfig): Record<LedgerResource, string> {
  const region = config.region;
  return {
    eventsTable: tableArn(region, config.eventsTable),
    stateTable: tableArn(region, config.stateTable),
    dataKey: `arn:aws:kms:${region}:${ACCOUNT}:key/local-data-key`,
    eventBus: `arn:aws:events:${region}:${ACCOUNT}:event-bus/${config.eventBusName}`,
    digestBucket: `arn:aws:s3:::${config.digestBucket ?? 'local-digests'}`,
    digestSigningKey: kmsKeyArn(region, config.digestSigningKey ?? 'local-signing-key'),
    checkpointSigningKey: kmsKeyArn(region, config.checkpointSigningKey ?? 'local-checkpoint-key'),
    pipelineJobs: '*',
  };
}

/** Whether some grant allows the request (IAM: an explicit allow, and these grants hold no denies). */
export function grantsAllow(
  grants: readonly Grant[],
  request: AuthorizationRequest,
  arns: Record<LedgerResource, string>,
  region = 'us-east-1',
): boolean {
  return grants.some(
    (grant) =>
      grant.actions.some((action) => globMatch(action, request.action)) &&
      grant.resources.some(({ resource, path }) =>
        globMatch(`${arns[resource]}${path ?? ''}`, request.resource),
      ) &&
      Object.entries(grant.conditions ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) =>
          conditionHolds(
            operator,
            request.context[key],
            [expected].flat().map((value) => value.split(REGION_PLACEHOLDER).join(region)),
          ),
        ),
      ),
  );
}

/** IAM's condition operators the grants use, with its rules for a key the request does not carry. */
function conditionHolds(
  operator: string,
  actual: readonly string[] | undefined,
  expected: string[],
): boolean {
  const equals = (value: string) => expected.includes(value);
  const like = (value: string) => expected.some((pattern) => globMatch(pattern, value));
  const values = actual ?? [];
  switch (operator) {
    case 'StringEquals':
      return values.length > 0 && values.every(equals);
    case 'StringLike':
      return values.length > 0 && values.every(like);
    case 'StringNotEquals':
      return values.every((value) => !equals(value));
    case 'StringNotLike':
      return values.every((value) => !like(value));
    // ForAllValues holds for a request without the key: which is why leading-key grants never list Scan.
    case 'ForAllValues:StringEquals':
      return values.every(equals);
    case 'ForAllValues:StringLike':
      return values.every(like);
    case 'ForAllValues:StringNotLike':
      return values.every((value) => !like(value));
    case 'ForAnyValue:StringEquals':
      return values.some(equals);
    case 'ForAnyValue:StringLike':
      return values.some(like);
    default:
      throw new Error(`the local IAM stand-in does not know the condition operator ${operator}`);
  }
}

/** IAM's wildcards: `*` any run of characters, `?` one. */
function globMatch(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** A key value as the low-level client sends it (`{ S }`, `{ N }`) or as the document client takes it. */
type AttributeValue = { readonly S?: string; readonly N?: string } | string | number;
type Key = Readonly<Record<string, AttributeValue>>;

/** What IAM authorises for one SDK call: one request per table of a batch, per item of a transaction. */
export function authorizationRequests(
  clientName: string,
  command: string,
  input: unknown,
  config: FunctionConfig,
): AuthorizationRequest[] {
  const region = config.region;
  switch (clientName) {
    case 'DynamoDBClient':
      return dynamoDbRequests(command, input as Record<string, unknown>, region);
    case 'EventBridgeClient': {
      const entries = ((input as { Entries?: { EventBusName?: string }[] }).Entries ?? []).map(
        (entry) => entry.EventBusName ?? 'default',
      );
      const buses = command === 'PutEvents' ? [...new Set(entries)] : ['*'];
      return buses.map((bus) => ({
        action: `events:${command}`,
        resource: bus.startsWith('arn:') ? bus : `arn:aws:events:${region}:${ACCOUNT}:event-bus/${bus}`,
        context: {},
      }));
    }
    case 'KMSClient': {
      const sign = input as { KeyId?: string; SigningAlgorithm?: string; MessageType?: string };
      return [
        {
          action: `kms:${command}`,
          resource: kmsKeyArn(region, sign.KeyId ?? '*'),
          context: {
            ...(sign.SigningAlgorithm ? { 'kms:SigningAlgorithm': [sign.SigningAlgorithm] } : {}),
            ...(sign.MessageType ? { 'kms:MessageType': [sign.MessageType] } : {}),
          },
        },
      ];
    }
    case 'S3Client': {
      const object = input as { Bucket?: string; Key?: string };
      return [
        {
          action: `s3:${command}`,
          resource: `arn:aws:s3:::${object.Bucket ?? ''}${object.Key !== undefined ? `/${object.Key}` : ''}`,
          context: {},
        },
      ];
    }
    default:
      throw new Error(`the local IAM stand-in does not know ${clientName}; teach it the client's actions`);
  }
}

function dynamoDbRequests(
  command: string,
  input: Record<string, unknown>,
  region: string,
): AuthorizationRequest[] {
  const on = (action: string, table: unknown, keys: readonly (Key | undefined)[], index?: unknown) => ({
    action: `dynamodb:${action}`,
    resource: `${tableArn(region, String(table))}${index ? `/index/${String(index)}` : ''}`,
    context: { 'dynamodb:LeadingKeys': [...new Set(keys.map(leadingKey))] },
  });
  const requestItems = (input.RequestItems ?? {}) as Record<string, unknown>;
  switch (command) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [on(command, input.TableName, [input.Key as Key])];
    case 'PutItem':
      return [on(command, input.TableName, [input.Item as Key])];
    case 'BatchGetItem':
      return Object.entries(requestItems).map(([table, request]) =>
        on(command, table, (request as { Keys?: Key[] }).Keys ?? []),
      );
    case 'BatchWriteItem':
      return Object.entries(requestItems).map(([table, writes]) =>
        on(
          command,
          table,
          (writes as { PutRequest?: { Item: Key }; DeleteRequest?: { Key: Key } }[]).map(
            (write) => write.PutRequest?.Item ?? write.DeleteRequest?.Key,
          ),
        ),
      );
    case 'TransactWriteItems': {
      // IAM authorises each item of a transaction as that item's own action.
      const actions = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
      };
      return (
        (input.TransactItems ?? []) as Record<string, { TableName?: string; Key?: Key; Item?: Key }>[]
      ).flatMap((item) =>
        Object.entries(actions).flatMap(([kind, action]) => {
          const part = item[kind];
          return part ? [on(action, part.TableName, [part.Key ?? part.Item])] : [];
        }),
      );
    }
    case 'TransactGetItems':
      return ((input.TransactItems ?? []) as { Get?: { TableName?: string; Key?: Key } }[]).map((item) =>
        on('GetItem', item.Get?.TableName, [item.Get?.Key]),
      );
    case 'Query':
      return [on(command, input.TableName, [queriedPartition(input)], input.IndexName)];
    case 'Scan':
      return [{ ...on(command, input.TableName, [], input.IndexName), context: {} }];
    default:
      return [on(command, input.TableName ?? '*', [])];
  }
}

/** The partition key value of a key or item (IAM's `dynamodb:LeadingKeys`). */
function leadingKey(key: Key | undefined): string {
  const value = key?.[STATE_KEY.partition];
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value?.S !== undefined) return value.S;
  if (value?.N !== undefined) return value.N;
  throw new Error('the local IAM stand-in found no partition key value in a DynamoDB request');
}

/** A query's partition key value, read from its key condition (`#pk = :pk`). */
function queriedPartition(input: Record<string, unknown>): Key {
  const partition = input.IndexName
    ? tableDefinitions.state.headIndex.partitionKey.name
    : STATE_KEY.partition;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  for (const [, name, placeholder] of String(input.KeyConditionExpression ?? '').matchAll(
    /([#\w]+)\s*=\s*(:\w+)/g,
  )) {
    if (name && placeholder && (names[name] ?? name) === partition) {
      const value = values[placeholder];
      if (value) return { [STATE_KEY.partition]: value };
    }
  }
  throw new Error(
    `the local IAM stand-in cannot read the partition key of ${String(input.KeyConditionExpression)}`,
  );
}

function tableArn(region: string, table: string): string {
  return table.startsWith('arn:') ? table : `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${table}`;
}

function kmsKeyArn(region: string, key: string): string {
  if (key.startsWith('arn:')) return key;
  return `arn:aws:kms:${region}:${ACCOUNT}:${key.startsWith('alias/') ? key : `key/${key}`}`;
}

/** The error the SDK raises when IAM denies a call: the same name, fault and status as on AWS. */
function accessDenied(clientName: string, name: FunctionName, request: AuthorizationRequest): Error {
  const message =
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${name} is not authorized to perform: ` +
    `${request.action} on resource: ${request.resource} because no identity-based policy allows the ` +
    `${request.action} action (local IAM stand-in; grants in infra/function-access.ts)`;
  const shape = { $fault: 'client' as const, message };
  switch (clientName) {
    case 'S3Client':
      return new S3ServiceException({ ...shape, name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    case 'KMSClient':
      return new KMSServiceException({
        ...shape,
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
    case 'EventBridgeClient':
      return new EventBridgeServiceException({
        ...shape,
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
    default:
      return new DynamoDBServiceException({
        ...shape,
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      });
  }
}
