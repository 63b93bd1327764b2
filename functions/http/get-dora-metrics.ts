import { adapters } from '../adapters/clients.ts';
import { DynamoDbDoraStore } from '../adapters/dynamodb-dora-store.ts';
import { readDoraDefinitions } from '../dora/dora-config.ts';
import { doraReader } from '../dora/dora-reader.ts';
import { authorize } from './authorize.ts';
import { DoraQuerySchema, scopeAndWindow } from './dora-query.ts';
import { httpApi, json } from './http-api.ts';
import { queryParams } from './query-params.ts';

/** GET /v1/metrics/dora — the five DORA metrics of a scope over a window, per bucket, optionally asOf. */
export const handler = httpApi(async (event) => {
  const { tenant } = authorize(event, 'reader');
  const query = queryParams(event, DoraQuerySchema);
  const { scope, window } = scopeAndWindow(query, new Date());
  const { eventStore, dynamoDb, config } = adapters();
  const reader = doraReader(tenant, {
    eventStore,
    doraStore: new DynamoDbDoraStore({ client: dynamoDb, stateTable: config.stateTable }),
    definitions: readDoraDefinitions(),
  });
  const metrics = await reader.metrics(scope, window, query.bucket, query.asOf);
  return json(200, { ...metrics, asOf: query.asOf ?? null });
});
