import { deploymentView } from '../../domain/views/deployment-view.ts';
import { adapters } from '../adapters/clients.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { notFound } from './http-error.ts';
import { pathParam } from './query-params.ts';

/** GET /v1/deployments/{deploymentId} — status, times, release and version, folded from its stream. */
export const handler = httpApi(async (event) => {
  // Writers may read a deployment too: a CI job holding only a writer token waits on its gate.
  const { tenant } = authorize(event, ['reader', 'writer']);
  const deploymentId = pathParam(event, 'deploymentId');
  const events = await adapters().eventStore.readStream(tenant, `deployment/${deploymentId}`);
  const view = deploymentView(deploymentId, events);
  if (!view) throw notFound(`deployment '${deploymentId}'`);
  return json(200, { deployment: view });
});
