import type { StoredEvent, StreamName } from '../../domain/ledger/ledger-event.ts';
import { policyStream } from '../../domain/ledger/streams.ts';
import { PolicySchema, policyInForce, policyVersion } from '../../domain/policies/policy.ts';
import { adapters } from '../adapters/clients.ts';
import { appendDecision } from '../reactions/ledger-reader.ts';
import { readPairHistory } from '../reactions/pair-history.ts';
import { authorize } from './authorize.ts';
import { header, httpApi, json, rawBody } from './http-api.ts';
import { HttpError } from './http-error.ts';
import { parseJsonBody } from './json-body.ts';
import { pathParam } from './query-params.ts';

/**
 * PUT /v1/policies/{service}/{environment} (admin) — replaces the gate policy. The change is itself a
 * ledger event (`policy.updated`) whose version every later decision names; putting the policy already
 * in force records nothing and answers 200 with `changed: false`; `changed` says whether this request
 * appended the change.
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
  const stream = policyStream(service, environment);
  // Names with `/` or `%` may also have a policy under the stream name used before names were encoded.
  const history = await readPairHistory(store, tenant, 'policy', service, environment);
  const current = policyInForce(history);
  const response = { service, environment, policy, policyVersion: version };
  if (current?.version === version) return json(200, { ...response, changed: false });
  const previousVersion = current?.version ?? null;
  // The identity names the stream version the change was made on: putting back an earlier policy is a
  // new change however often it happens (A, B, A, B), while a retried PUT of the same change, made on the
  // same version, replays.
  const outcome = await appendDecision(
    store,
    tenant,
    'policy.updated',
    policyChangeId(service, environment, streamVersion(history, stream), previousVersion, version),
    { service, environment, policy, policyVersion: version, previousVersion },
  );
  const changed = outcome === 'appended';
  return json(current || !changed ? 200 : 201, { ...response, changed, previousVersion });
});

/** The stream's version: the position of its newest event, whether it belongs to it or links to it. */
function streamVersion(history: readonly StoredEvent[], stream: StreamName): number {
  const last = history.at(-1);
  if (!last) return 0;
  return last.stream === stream ? last.version : (last.links.find((l) => l.stream === stream)?.version ?? 0);
}

/** `policy:<service>/<environment>@<stream version>:<previous>-><version>`, each name URI-encoded. */
export function policyChangeId(
  service: string,
  environment: string,
  onVersion: number,
  previousVersion: string | null,
  version: string,
): string {
  const names = `${encodeURIComponent(service)}/${encodeURIComponent(environment)}`;
  return `policy:${names}@${onVersion}:${previousVersion ?? 'none'}->${version}`;
}
