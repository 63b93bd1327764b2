import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { tableDefinitions } from '../../functions/adapters/ledger-tables.ts';

export interface LedgerTableNames {
  readonly eventsTable: string;
  readonly stateTable: string;
}

/** Creates the ledger's tables (the same key schemas the CDK stack declares) unless they exist. */
export async function ensureLedgerTables(client: DynamoDBClient, names: LedgerTableNames): Promise<void> {
  const { events, state } = tableDefinitions;
  await createIfMissing(client, {
    TableName: names.eventsTable,
    AttributeDefinitions: [
      { AttributeName: events.partitionKey.name, AttributeType: events.partitionKey.type },
      { AttributeName: events.sortKey.name, AttributeType: events.sortKey.type },
    ],
    KeySchema: [
      { AttributeName: events.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: events.sortKey.name, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: events.stream },
  });
  await createIfMissing(client, {
    TableName: names.stateTable,
    AttributeDefinitions: [
      { AttributeName: state.partitionKey.name, AttributeType: state.partitionKey.type },
      { AttributeName: state.sortKey.name, AttributeType: state.sortKey.type },
      { AttributeName: state.headIndex.partitionKey.name, AttributeType: state.headIndex.partitionKey.type },
    ],
    KeySchema: [
      { AttributeName: state.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: state.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: state.headIndex.name,
        KeySchema: [{ AttributeName: state.headIndex.partitionKey.name, KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
}

async function createIfMissing(
  client: DynamoDBClient,
  input: ConstructorParameters<typeof CreateTableCommand>[0],
) {
  try {
    await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    return;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
