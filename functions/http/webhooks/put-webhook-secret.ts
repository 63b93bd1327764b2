import { zodIssues } from '../../../domain/ingest/field-issues.ts';
import { DEFAULT_ENVIRONMENT } from '../../../domain/webhooks/webhook-event.ts';
import { authorize } from '../authorize.ts';
import { header, httpApi, json, rawBody } from '../http-api.ts';
import { HttpError } from '../http-error.ts';
import { WebhookSecretBodySchemas } from '../request-schemas.ts';
import { providerParam, webhookSecrets } from './webhook-route.ts';

/**
 * PUT /v1/webhooks/{provider}/secret (admin) — sets or rotates the caller's tenant's secret for a provider:
 * the GitHub webhook secret, the GitLab secret token, or the PagerDuty subscription's signing secret (with
 * the environment its incidents are opened in), or the Flux generic-hmac Provider's key (with the
 * environment its cluster deploys to). The secret is never echoed back.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'admin');
  const provider = providerParam(event);
  const contentType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json')
    throw new HttpError(415, 'unsupported_media_type', 'send {"secret": "..."} as application/json');
  let body: unknown;
  try {
    body = JSON.parse(rawBody(event) || 'null');
  } catch (error) {
    throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = WebhookSecretBodySchemas[provider].safeParse(body);
  if (!parsed.success)
    throw new HttpError(
      400,
      'validation_failed',
      'the webhook secret is not valid',
      zodIssues(parsed.error.issues),
    );
  const data: {
    secret: string;
    environment?: string | undefined;
    serviceLabel?: string | undefined;
    environmentLabel?: string | undefined;
  } = parsed.data;
  const config = {
    secret: data.secret,
    environment: data.environment,
    serviceLabel: data.serviceLabel,
    environmentLabel: data.environmentLabel,
  };
  const replaced = await webhookSecrets().put(tenant, provider, config, new Date());
  return json(replaced ? 200 : 201, {
    provider,
    url: `/v1/webhooks/${provider}?tenant=${encodeURIComponent(tenant)}`,
    ...(provider === 'pagerduty' || provider === 'flux' || provider === 'alertmanager'
      ? { environment: config.environment ?? DEFAULT_ENVIRONMENT }
      : {}),
    ...(provider === 'alertmanager'
      ? {
          serviceLabel: config.serviceLabel ?? 'service',
          environmentLabel: config.environmentLabel ?? 'environment',
        }
      : {}),
  });
});
