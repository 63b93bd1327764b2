import { formatVerifierKey } from '../../domain/ledger/checkpoint.ts';
import { tenantVerifierKey } from '../adapters/merkle-adapters.ts';
import { readConfig } from '../config.ts';
import { authorize } from './authorize.ts';
import { httpApi } from './http-api.ts';

/**
 * GET /v1/audit/public-key — the verifier key of the tenant's checkpoints in the note format
 * `<origin>+<key id hex>+<base64(0x01 ‖ Ed25519 public key)>`. An auditor should pin it once (and
 * compare it with the KMS key's public half) rather than fetch it with every checkpoint.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const key = await tenantVerifierKey(readConfig(), tenant);
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: `${formatVerifierKey(key)}\n`,
  };
});
