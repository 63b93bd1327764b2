import { GENESIS_HASH } from '../../domain/ledger/hash-chain.ts';
import { documentClient } from '../adapters/dynamodb-document-client.ts';
import { DynamoDbLedgerEntries, type RawLedgerEntry } from '../adapters/dynamodb-ledger-entries.ts';
import { readConfig } from '../config.ts';
import { authorize } from './authorize.ts';
import { csvField, neutraliseFormula } from './csv-cells.ts';
import { httpApi } from './http-api.ts';
import { queryParams } from './query-params.ts';
import { ExportQuerySchema } from './request-schemas.ts';
import { encodedBytes, MAX_PAGE_ENCODED_BYTES } from './response-budget.ts';

/**
 * Lambda answers through API Gateway are buffered, not streamed, and capped at 6 MB as Lambda encodes
 * them (a JSON line's escaped quotes are escaped again): one response holds what fits that once
 * encoded, and says where to continue (`ledger-next-from`).
 */
const PAGE = 500;
/** A line break as it is counted in the invoke response (`\n`). */
const NEWLINE_ENCODED_BYTES = 2;

/**
 * GET /v1/audit/export?from=SEQ&to=SEQ&format=jsonl|csv — the ledger in seq order with its hashes.
 * jsonl: one `{seq, hash, eventHash, body}` per line, `body` the canonical text exactly as stored and
 * hashed; a page not starting at seq 1 opens with `previousHash`, the chain hash before it.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const { from, to, format } = queryParams(event, ExportQuerySchema);
  const config = readConfig();
  const ledger = new DynamoDbLedgerEntries({ client: documentClient(config), ...config });
  const head = await ledger.head(tenant);
  const last = Math.min(to ?? head?.seq ?? 0, head?.seq ?? 0);
  const previousHash =
    from === 1 ? GENESIS_HASH : ((await ledger.entries(tenant, from - 2, from - 1, 1))[0]?.chainHash ?? null);

  const lines: string[] = format === 'csv' ? ['seq,recordedAt,type,source,id,eventHash,hash,body'] : [];
  let bytes = 0;
  let after = from - 1;
  let next: number | null = null;
  while (after < last && next === null) {
    const entries = await ledger.entries(tenant, after, last, PAGE);
    if (entries.length === 0) break;
    for (const entry of entries) {
      const line =
        format === 'csv'
          ? csvLine(entry)
          : jsonLine(entry, entry.seq === from && from > 1 ? previousHash : undefined);
      const lineBytes = encodedBytes(line) + NEWLINE_ENCODED_BYTES;
      if (bytes + lineBytes > MAX_PAGE_ENCODED_BYTES && lines.length > 0) {
        next = entry.seq;
        break;
      }
      lines.push(line);
      bytes += lineBytes;
      after = entry.seq;
    }
  }
  return {
    statusCode: 200,
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'ledger-head-seq': String(head?.seq ?? 0),
      ...(next !== null ? { 'ledger-next-from': String(next) } : {}),
    },
    body: lines.length > 0 ? `${lines.join('\n')}\n` : '',
  };
});

function jsonLine(entry: RawLedgerEntry, previousHash: string | null | undefined): string {
  return JSON.stringify({
    seq: entry.seq,
    ...(previousHash !== undefined ? { previousHash } : {}),
    hash: entry.chainHash,
    eventHash: entry.eventHash,
    body: entry.body,
  });
}

function csvLine(entry: RawLedgerEntry): string {
  return [
    entry.seq,
    entry.recordedAt,
    entry.type,
    entry.source,
    entry.id,
    entry.eventHash,
    entry.chainHash,
    entry.body,
  ]
    .map((field) => csvField(neutraliseFormula(String(field))))
    .join(',');
}
