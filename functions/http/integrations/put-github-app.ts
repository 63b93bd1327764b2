import { createPrivateKey } from 'node:crypto';
import { adapters } from '../../adapters/clients.ts';
import { DynamoDbGitHubAppStore } from '../../adapters/dynamodb-github-app-store.ts';
import { authorize } from '../authorize.ts';
import { httpApi, json, rawBody } from '../http-api.ts';
import { badRequest } from '../http-error.ts';
import { parseJsonBody } from '../json-body.ts';
import { GitHubAppBodySchema } from '../request-schemas.ts';

/**
 * PUT /v1/integrations/github-app (admin) — sets or replaces the tenant's GitHub App (id and private key),
 * with which the ledger answers `deployment_protection_rule` deliveries. The key is never echoed back.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'admin');
  const app = parseJsonBody(rawBody(event), GitHubAppBodySchema);
  try {
    if (createPrivateKey(app.privateKey).asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw badRequest('the body is not valid', [
      { path: ['privateKey'], message: 'must be the GitHub App’s RSA private key (PEM)' },
    ]);
  }
  const { dynamoDb, config } = adapters();
  const replaced = await new DynamoDbGitHubAppStore({ client: dynamoDb, stateTable: config.stateTable }).put(
    tenant,
    app,
    new Date(),
  );
  return json(replaced ? 200 : 201, { appId: app.appId, configured: true });
});
