import { isWebhookProvider, type WebhookProvider } from '../../../domain/webhooks/webhook-event.ts';
import { adapters } from '../../adapters/clients.ts';
import { DynamoDbWebhookSecretStore } from '../../adapters/dynamodb-webhook-secret-store.ts';
import type { HttpEvent } from '../http-api.ts';
import { badRequest, notFound } from '../http-error.ts';
import { pathParam } from '../query-params.ts';

/** Tenants are key prefixes in the tables (`<tenant>#…`), so `#` and other separators are refused. */
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `{provider}` of a webhook route; an unknown provider is a missing resource. */
export function providerParam(event: HttpEvent): WebhookProvider {
  const provider = pathParam(event, 'provider');
  if (!isWebhookProvider(provider)) throw notFound(`webhook provider '${provider}'`);
  return provider;
}

/** `?tenant=` of the delivery URL: providers cannot send a bearer token, so the URL names the tenant. */
export function tenantParam(event: HttpEvent): string {
  const tenant = event.queryStringParameters?.tenant;
  if (tenant === undefined || !TENANT.test(tenant))
    throw badRequest('the webhook URL must name the tenant: /v1/webhooks/{provider}?tenant=<tenant>', [
      { path: ['query', 'tenant'], message: 'required: letters, digits, dot, dash or underscore' },
    ]);
  return tenant;
}

/** The store over the container's one DynamoDB client (created once per configuration, like the others). */
export function webhookSecrets(): DynamoDbWebhookSecretStore {
  const { dynamoDb, config } = adapters();
  return new DynamoDbWebhookSecretStore({ client: dynamoDb, stateTable: config.stateTable });
}
