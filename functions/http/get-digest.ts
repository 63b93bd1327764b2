import { documentClient } from '../adapters/dynamodb-document-client.ts';
import { DynamoDbLedgerEntries } from '../adapters/dynamodb-ledger-entries.ts';
import { readConfig } from '../config.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';

/**
 * GET /v1/audit/digest — the tenant's ledger head as a receipt to keep elsewhere: `npm run verify --
 * export.jsonl --digest <seq>:<chainHash>` later proves an export extends exactly this head.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const config = readConfig();
  const ledger = new DynamoDbLedgerEntries({ client: documentClient(config), ...config });
  const head = await ledger.head(tenant);
  if (!head) return json(200, { seq: 0, chainHash: '0'.repeat(64), recordedAt: null });
  const [last] = await ledger.entries(tenant, head.seq - 1, head.seq, 1);
  return json(200, { seq: head.seq, chainHash: head.chainHash, recordedAt: last?.recordedAt ?? null });
});
