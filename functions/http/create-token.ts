import { adapters } from '../adapters/clients.ts';
import { generateToken } from '../adapters/dynamodb-token-store.ts';
import { authorize } from './authorize.ts';
import { httpApi, json, rawBody } from './http-api.ts';
import { parseJsonBody } from './json-body.ts';
import { TokenCreateBodySchema } from './request-schemas.ts';

/** POST /v1/tokens (admin) — a new token for the caller's own tenant; shown once, stored as a hash. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'admin');
  const body = parseJsonBody(rawBody(event), TokenCreateBodySchema);
  const token = generateToken();
  await adapters().tokenStore.grant(token, { tenant, role: body.role });
  // The one response that holds the secret: no browser, proxy or CDN may keep a copy of it.
  return json(201, { token, tenant, role: body.role }, { 'cache-control': 'no-store' });
});
