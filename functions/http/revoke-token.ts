import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json, rawBody } from './http-api.ts';
import { notFound } from './http-error.ts';
import { parseJsonBody } from './json-body.ts';
import { TokenRevokeBodySchema } from './request-schemas.ts';

/** POST /v1/tokens/revoke (admin) — revokes a token of the caller's own tenant at once. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'admin');
  const { token } = parseJsonBody(rawBody(event), TokenRevokeBodySchema);
  const { tokenStore } = adapters();
  const grant = await tokenStore.find(token);
  // Another tenant's token answers exactly like an unknown one.
  if (grant?.tenant !== tenant) throw notFound('token');
  await tokenStore.revoke(token);
  return json(200, { revoked: true, tenant, role: grant.role });
});
