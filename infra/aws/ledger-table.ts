import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { tableDefinitions } from '../../functions/adapters/ledger-tables.ts';

const attributeTypes = { S: AttributeType.STRING, N: AttributeType.NUMBER } as const;
const streamViewTypes = { NEW_IMAGE: StreamViewType.NEW_IMAGE } as const;

export interface LedgerTableOptions {
  readonly tableName: string;
  readonly encryptionKey: IKey;
  readonly resourcePolicy?: TableProps['resourcePolicy'];
}

/**
 * One of the ledger's tables, its keys (and stream) taken from the layout the store and the local
 * runtime use, with the protections every ledger table has: on demand, point-in-time recovery, deletion
 * protection, retained on stack deletion, encrypted with the ledger's customer-managed key.
 */
export function ledgerTable(
  scope: Construct,
  id: string,
  kind: keyof typeof tableDefinitions,
  options: LedgerTableOptions,
): Table {
  const definition = tableDefinitions[kind];
  const table = new Table(scope, id, {
    tableName: options.tableName,
    partitionKey: {
      name: definition.partitionKey.name,
      type: attributeTypes[definition.partitionKey.type],
    },
    sortKey: { name: definition.sortKey.name, type: attributeTypes[definition.sortKey.type] },
    ...('stream' in definition ? { stream: streamViewTypes[definition.stream] } : {}),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    encryption: TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: options.encryptionKey,
    ...(options.resourcePolicy ? { resourcePolicy: options.resourcePolicy } : {}),
  });
  if ('headIndex' in definition) {
    const index = definition.headIndex;
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: { name: index.partitionKey.name, type: attributeTypes[index.partitionKey.type] },
      // Keys only: the sealer reads each head consistently from the table, and an append's head update
      // then changes nothing the index holds, so it costs the index no write.
      projectionType: ProjectionType.KEYS_ONLY,
    });
  }
  return table;
}
