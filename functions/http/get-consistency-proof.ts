import { merkleTree } from '../adapters/merkle-adapters.ts';
import { readConfig } from '../config.ts';
import { ConsistencyQuerySchema, sizeChecked } from './audit-proofs.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';

/**
 * GET /v1/audit/proof/consistency?from=A&to=B — the RFC 9162 proof that the tree of A leaves is a
 * prefix of the tree of B leaves: `{from, to, hashes}`. B must not exceed the latest checkpoint's size.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const { from, to } = queryParams(event, ConsistencyQuerySchema);
  const proof = await sizeChecked(() => merkleTree(readConfig()).consistencyProof(tenant, from, to));
  return json(200, proof);
});
