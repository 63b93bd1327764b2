import type { StoredEvent } from '../ledger/ledger-event.ts';
import { type CellDoc, computeCell, type DeploymentEvidence } from './cell-evidence.ts';
import type { DoraDefinitions } from './definitions.ts';
import { type CellRef, mergeEvent } from './facts.ts';
import { EMPTY_MONTH, type MonthRollup, monthOf, moveMonth } from './month-rollups.ts';
import { mergeSorted, subtractSorted } from './percentiles.ts';
import {
  keyId,
  OverlayProjectionStore,
  type ProjectionKey,
  type ProjectionStore,
} from './projection-store.ts';
import { mergeExposure, projectReleaseCells, type ReleaseCellRef } from './release-exposure.ts';
import { addRollups, EMPTY_ROLLUP, isEmptyRollup, type Rollup, rollupOf, scopesOf } from './rollups.ts';

/**
 * The projection's fold: merge a batch of ledger events into the facts, recompute every cell they may
 * have changed from the facts, and move each scope's day rollup by (new cell − old cell). Pure: all
 * reads and writes go through `store`. Applying events one by one, in batches of any size, or all at
 * once leaves the same documents (the property tests check it).
 */
export function projectEvents(
  store: ProjectionStore,
  events: readonly StoredEvent[],
  definitions: DoraDefinitions,
): void {
  const dirty = new Map<string, CellRef>();
  const releaseDirty: ReleaseCellRef[] = [];
  for (const event of events) {
    for (const cell of mergeEvent(store, event, definitions)) dirty.set(cell.join('\u0000'), cell);
    releaseDirty.push(...mergeExposure(store, event, definitions));
  }
  projectReleaseCells(store, releaseDirty);
  for (const cell of [...dirty.values()].sort(byCell)) {
    const before = store.get(['cell', ...cell]) as CellDoc | undefined;
    const after = computeCell(store, cell, definitions);
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    store.set(['cell', ...cell], after);
    applyToScopes(store, cell[2], before?.deployments ?? [], -1);
    applyToScopes(store, cell[2], after?.deployments ?? [], 1);
  }
}

function applyToScopes(
  store: ProjectionStore,
  day: string,
  deployments: readonly DeploymentEvidence[],
  sign: 1 | -1,
): void {
  const byScope = new Map<string, DeploymentEvidence[]>();
  for (const deployment of deployments) {
    for (const key of scopesOf(deployment.service, deployment.environment, deployment.team)) {
      byScope.set(key, [...(byScope.get(key) ?? []), deployment]);
    }
  }
  for (const [key, list] of byScope) {
    const current = (store.get(['scope', key, day]) as Rollup | undefined) ?? EMPTY_ROLLUP;
    const delta = rollupOf(list);
    const next = addRollups(current, delta, sign);
    store.set(['scope', key, day], isEmptyRollup(next) ? undefined : next);
    applyToMonth(store, key, day, current, next, delta, sign);
  }
}

/** Moves the scope's month by the same change, and the sample bins it touched. */
function applyToMonth(
  store: ProjectionStore,
  key: string,
  day: string,
  before: Rollup,
  after: Rollup,
  delta: Rollup,
  sign: 1 | -1,
): void {
  const month = monthOf(day);
  const current = (store.get(['month', key, month]) as MonthRollup | undefined) ?? EMPTY_MONTH;
  const { next, samples } = moveMonth(current, before, after, delta, sign);
  store.set(['month', key, month], next);
  for (const { field, bin, values } of samples) {
    const binKey = ['mbin', key, month, field, bin] as const;
    const held = (store.get(binKey) as number[] | undefined) ?? [];
    const sorted = [...values].sort((a, b) => a - b);
    const moved = sign === 1 ? mergeSorted(held, sorted) : subtractSorted(held, sorted);
    store.set(binKey, moved.length === 0 ? undefined : moved);
  }
}

function byCell(a: CellRef, b: CellRef): number {
  const x = a.join('\u0000');
  const y = b.join('\u0000');
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface ProjectionChange {
  readonly key: ProjectionKey;
  readonly before: unknown;
  readonly after: unknown;
}

/** Loads documents by key; absent ones are simply not in the answer. */
export type ProjectionLoader = (keys: readonly ProjectionKey[]) => Promise<ReadonlyMap<string, unknown>>;

/**
 * Runs the fold over documents loaded on demand: each run that reads a document not loaded yet is
 * discarded, the missing documents are loaded, and the fold runs again from the same events, until a run
 * reads nothing new. Rounds are bounded by the depth of the fact graph (deployment → release → commit →
 * release → deployment), not by the number of events.
 */
export async function projectBatch(
  events: readonly StoredEvent[],
  definitions: DoraDefinitions,
  load: ProjectionLoader,
): Promise<{
  readonly changes: readonly ProjectionChange[];
  readonly rounds: number;
  readonly loaded: number;
}> {
  const loaded = new Map<string, unknown>();
  for (let rounds = 1; ; rounds += 1) {
    const store = new OverlayProjectionStore(loaded);
    projectEvents(store, events, definitions);
    if (store.missing.size === 0) return { changes: store.changes(), rounds, loaded: loaded.size };
    const keys = [...store.missing.values()];
    const found = await load(keys);
    for (const key of keys) loaded.set(keyId(key), found.get(keyId(key)) ?? null);
  }
}
