import { DEFAULT_DORA_DEFINITIONS, definitionsVersion } from '../domain/dora/definitions.ts';
import { type DoraWindow, doraWindow, scopeRollups, summarize } from '../domain/dora/dora-metrics.ts';
import { projectEvents } from '../domain/dora/projection.ts';
import {
  MemoryProjectionStore,
  type ProjectionKey,
  type ProjectionKind,
} from '../domain/dora/projection-store.ts';
import {
  type DoraMetricsWithReleases,
  releaseScopeRollups,
  withReleaseNumbers,
} from '../domain/dora/release-metrics.ts';
import { type DoraScope, scopeKey } from '../domain/dora/rollups.ts';
import type { IncomingEvent, StoredEvent } from '../domain/ledger/ledger-event.ts';
import { LedgerBulkPlanner } from './ledger-bulk-plan.ts';

/** The document kinds a metrics query reads; the others (facts, cells) are never read by one. */
const QUERIED_KINDS: readonly ProjectionKind[] = ['scope', 'month', 'mbin', 'rscope'];
export const QUERIED_SCOPES = { service: { service: 'svc-3' }, tenant: {} } as const satisfies Record<
  string,
  DoraScope
>;
export type QueriedScope = keyof typeof QUERIED_SCOPES;
const FOLD_BATCH = 100;
const EVENTS_PER_APPEND = 10;

/** What a metrics query of one history needs, and nothing of the fold it came from. */
export interface FoldedForQueries {
  readonly foldSeconds: number;
  /** Only the queried scopes' documents: a query reads its scope's partitions by key, so the other
   * scopes' items (and the facts and cells, never read by a metrics query) change nothing. */
  readonly docs: readonly { readonly key: ProjectionKey; readonly value: unknown }[];
  /** The domain's recompute over the whole fold (`summarize` over its day rollups: what `computeDora`
   * answers) for each queried scope, one-year window, monthly series. */
  readonly expected: Record<QueriedScope, DoraMetricsWithReleases>;
}

export function oneYearWindow(endMs: number): DoraWindow {
  return doraWindow(new Date(endMs - 365 * 86_400_000).toISOString(), new Date(endMs).toISOString());
}

/**
 * The synthetic history, planned as the append path would store it, folded in batches as the projector
 * does by the projection's own pure fold; then reduced to what the queries read and must answer. The
 * fold of 1M events holds millions of documents: done in a worker (fold-worker.ts), none of that heap
 * is there while the queries are timed, as a query Lambda holds none of the projector's memory.
 */
export function foldForQueries(
  size: number,
  endMs: number,
  history: (size: number, end: Date) => Iterable<IncomingEvent>,
  onProgress: (done: number) => void = () => {},
): FoldedForQueries {
  const end = new Date(endMs);
  const started = performance.now();
  const planner = new LedgerBulkPlanner('layouts', () => end);
  const store = new MemoryProjectionStore();
  let pending: StoredEvent[] = [];
  let batch: IncomingEvent[] = [];
  let done = 0;
  const fold = (final: boolean) => {
    while (pending.length >= FOLD_BATCH || (final && pending.length > 0)) {
      projectEvents(store, pending.slice(0, FOLD_BATCH), DEFAULT_DORA_DEFINITIONS);
      pending = pending.slice(FOLD_BATCH);
    }
  };
  for (const event of history(size, end)) {
    batch.push(event);
    if (batch.length === EVENTS_PER_APPEND) {
      pending.push(...planner.append(batch).stored);
      batch = [];
      done += EVENTS_PER_APPEND;
      fold(false);
      onProgress(done);
    }
  }
  if (batch.length > 0) pending.push(...planner.append(batch).stored);
  fold(true);
  onProgress(size);
  const foldSeconds = (performance.now() - started) / 1000;
  const scopes = new Set(Object.values(QUERIED_SCOPES).map(scopeKey));
  const docs = [...store.docs.values()].filter(
    ({ key }) => QUERIED_KINDS.includes(key[0]) && scopes.has(key[1] as string),
  );
  const window = oneYearWindow(endMs);
  const version = definitionsVersion(DEFAULT_DORA_DEFINITIONS);
  const answer = (scope: DoraScope) =>
    withReleaseNumbers(
      summarize(scope, window, scopeRollups(store, scope, window), 'month', version),
      releaseScopeRollups(store, scope, window),
    );
  return {
    foldSeconds,
    docs,
    expected: { service: answer(QUERIED_SCOPES.service), tenant: answer(QUERIED_SCOPES.tenant) },
  };
}
