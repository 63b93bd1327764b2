import { merkleTree } from '../adapters/merkle-adapters.ts';
import { readConfig } from '../config.ts';
import { InclusionQuerySchema, sizeChecked } from './audit-proofs.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';

/**
 * GET /v1/audit/proof/inclusion?seq=N&treeSize=M — the RFC 9162 audit path of entry `seq` (leaf
 * seq − 1) in the tree of M leaves: `{seq, treeSize, leafIndex, hashes}`, hashes base64, nearest the
 * leaf first. M must not exceed the latest checkpoint's size (400 on `treeSize`).
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const { seq, treeSize } = queryParams(event, InclusionQuerySchema);
  const proof = await sizeChecked(() => merkleTree(readConfig()).inclusionProof(tenant, seq, treeSize));
  return json(200, proof);
});
