import { PolicySchema, policyVersion } from '../../domain/policies/policy.ts';
import { adapters } from '../adapters/clients.ts';
import { appendDecision, policyAsOf } from '../reactions/ledger-reader.ts';
import { authorize } from './authorize.ts';
import { header, httpApi, json, rawBody } from './http-api.ts';
import { HttpError } from './http-error.ts';
import { parseJsonBody } from './json-body.ts';
import { pathParam } from './query-params.ts';

/**
 * PUT /v1/policies/{service}/{environment} (admin) — replaces the gate policy. The change is itself a
 * ledger event (`policy.updated`) whose version every later decision names; putting the policy already
 * in force records nothing and answers 200.
 */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'admin');
  const service = pathParam(event, 'service');
  const environment = pathParam(event, 'environment');
  const contentType = (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') {
    throw new HttpError(415, 'unsupported_media_type', 'send the policy as application/json');
  }
  const policy = parseJsonBody(rawBody(event), PolicySchema);
  const version = policyVersion(policy);
  const store = adapters().eventStore;
  const current = await policyAsOf(store, tenant, service, environment);
  const response = { service, environment, policy, policyVersion: version };
  if (current?.version === version) return json(200, { ...response, changed: false });
  // The identity names the version it replaces, so re-applying an older policy is a new change while a
  // retried PUT of the same change replays.
  const previousVersion = current?.version ?? null;
  await appendDecision(
    store,
    tenant,
    'policy.updated',
    `policy:${service}/${environment}:${previousVersion ?? 'none'}->${version}`,
    {
      service,
      environment,
      policy,
      policyVersion: version,
      previousVersion,
    },
  );
  return json(current ? 200 : 201, { ...response, changed: true, previousVersion });
});
