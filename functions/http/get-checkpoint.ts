import { merkleTree } from '../adapters/merkle-adapters.ts';
import { readConfig } from '../config.ts';
import { authorize } from './authorize.ts';
import { httpApi } from './http-api.ts';
import { notFound } from './http-error.ts';

/**
 * GET /v1/audit/checkpoint — the tenant's latest signed checkpoint (C2SP tlog-checkpoint as a signed
 * note), byte for byte as signed, so it can be saved and verified offline as is.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const checkpoint = await merkleTree(readConfig()).latestCheckpoint(tenant);
  if (!checkpoint) throw notFound('checkpoint (no event is covered yet)');
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'ledger-tree-size': String(checkpoint.size),
      'ledger-signed-at': checkpoint.signedAt,
    },
    body: checkpoint.note,
  };
});
