import { featureStream } from '../../domain/ledger/streams.ts';
import { deploymentView } from '../../domain/views/deployment-view.ts';
import { deploymentIdsOf, releaseView } from '../../domain/views/release-view.ts';
import { adapters } from '../adapters/clients.ts';
import { readLinkedTestRuns } from '../reactions/linked-test-runs.ts';
import { authorize } from './authorize.ts';
import { httpApi, json } from './http-api.ts';
import { notFound } from './http-error.ts';
import { pathParam } from './query-params.ts';

/** GET /v1/releases/{releaseId} — version, commits, approvals, tests and per environment its deployments. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const releaseId = pathParam(event, 'releaseId');
  const store = adapters().eventStore;
  const events = await store.readStream(tenant, `release/${releaseId}`);
  const [deployments, linkedRuns] = await Promise.all([
    Promise.all(
      deploymentIdsOf(events).map(async (id) =>
        deploymentView(id, await store.readStream(tenant, `deployment/${id}`)),
      ),
    ),
    events.length === 0 ? [] : readLinkedTestRuns(store, tenant, releaseId, events),
  ]);
  const found = deployments.filter((d) => d !== undefined);
  const view = releaseView(releaseId, events, found, linkedRuns);
  if (!view) throw notFound(`release '${releaseId}'`);
  // Flags that name the release by service and version are in that version's stream, not the release's.
  if (view.service !== null && view.version !== null) {
    const flagEvents = await store.readStream(tenant, featureStream(view.service, view.version));
    if (flagEvents.length > 0) {
      return json(200, { release: releaseView(releaseId, events, found, linkedRuns, flagEvents) });
    }
  }
  return json(200, { release: view });
});
