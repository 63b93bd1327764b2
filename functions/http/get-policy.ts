import { adapters } from '../adapters/clients.ts';
import { policyAsOf } from '../reactions/ledger-reader.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { notFound } from './http-error.ts';
import { pathParam } from './query-params.ts';

/** GET /v1/policies/{service}/{environment} — the policy in force and its version. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const service = pathParam(event, 'service');
  const environment = pathParam(event, 'environment');
  const current = await policyAsOf(adapters().eventStore, tenant, service, environment);
  if (!current) throw notFound(`policy for ${service} in ${environment}`);
  return json(200, {
    service,
    environment,
    policy: current.policy,
    policyVersion: current.version,
    seq: current.seq,
  });
});
