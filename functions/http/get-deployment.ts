import { deploymentView, withRollbackTriggers } from '../../domain/views/deployment-view.ts';
import { adapters } from '../adapters/clients.ts';
import { readPairHistory } from '../reactions/pair-history.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { notFound } from './http-error.ts';
import { pathParam } from './query-params.ts';

/** GET /v1/deployments/{deploymentId} — status, times, release and version, folded from its stream. */
export const handler = httpApi(async (event) => {
  // Writers may read a deployment too: a CI job holding only a writer token waits on its gate.
  const { tenant } = authorize(event, ['reader', 'writer']);
  const deploymentId = pathParam(event, 'deploymentId');
  const store = adapters().eventStore;
  const events = await store.readStream(tenant, `deployment/${deploymentId}`);
  const view = deploymentView(deploymentId, events);
  if (!view) throw notFound(`deployment '${deploymentId}'`);
  const { service, environment } = view;
  // The rollback triggers agreed for it come from its pair's policy stream, as of its start.
  const policyHistory =
    service && environment ? await readPairHistory(store, tenant, 'policy', service, environment) : [];
  return json(200, { deployment: withRollbackTriggers(view, events, policyHistory) });
});
