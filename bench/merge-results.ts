/** The result keys and failure (= top-level phase) names each part writes: what a merge replaces. */
const PART_KEYS: Record<string, { readonly keys: readonly string[]; readonly failures: readonly string[] }> =
  {
    runtime: {
      keys: ['ingest', 'gate', 'rollback', 'triggerRollback', 'freshness', 'dashboard'],
      failures: ['ingest (in-process)', 'ingest (workers)', 'runtime start', 'decisions', 'dashboard'],
    },
    writers: { keys: ['writers'], failures: ['writers'] },
    metrics: { keys: ['metrics', 'metricsLayouts', 'projection'], failures: ['metrics'] },
    merkle: { keys: ['merkle'], failures: ['merkle'] },
    bundles: { keys: ['bundles'], failures: ['bundles'] },
  };

type PartStamp = { readonly commit: string; readonly date: string; readonly mode: string };

export function withPartsRecorded(results: Record<string, unknown>, parts: ReadonlySet<string>) {
  const machine = results.machine as PartStamp;
  const stamp = { commit: machine.commit, date: machine.date, mode: machine.mode };
  return {
    ...results,
    machine: { ...machine, parts: Object.fromEntries([...parts].map((part) => [part, stamp])) },
  };
}

/**
 * The earlier results with the parts run now replaced: figures from different commits side by side,
 * so every part names the commit and date it was measured at, and the machine line the newest.
 */
export function mergeResults(
  earlier: Record<string, unknown>,
  now: Record<string, unknown>,
  parts: ReadonlySet<string>,
): Record<string, unknown> {
  const earlierMachine = earlier.machine as PartStamp & { parts?: Record<string, PartStamp> };
  const earlierStamp = {
    commit: earlierMachine.commit,
    date: earlierMachine.date,
    mode: earlierMachine.mode,
  };
  const earlierParts =
    earlierMachine.parts ??
    Object.fromEntries(
      Object.entries(PART_KEYS)
        .filter(([, { keys }]) => keys.some((key) => key in earlier))
        .map(([part]) => [part, earlierStamp]),
    );
  const merged: Record<string, unknown> = { ...earlier };
  const failures = { ...((earlier.failures ?? {}) as Record<string, string>) };
  for (const part of parts) {
    for (const key of PART_KEYS[part]?.keys ?? []) delete merged[key];
    for (const name of PART_KEYS[part]?.failures ?? []) delete failures[name];
  }
  Object.assign(failures, now.failures ?? {});
  const recorded = withPartsRecorded(now, parts);
  const earlierDurations = (earlier.durationsSec ?? {}) as Record<string, number>;
  const nowDurations = now.durationsSec as Record<string, number>;
  // The total of the parts as last measured: each part's top-level phases (named as its failures are;
  // nested phases such as the dashboard's seeding are inside them) are replaced by this run's.
  const replaced = [...parts]
    .flatMap((part) => PART_KEYS[part]?.failures ?? [])
    .reduce((sum, phaseName) => sum + (earlierDurations[phaseName] ?? 0), 0);
  const total = Math.round(((earlierDurations.total ?? 0) - replaced + (nowDurations.total ?? 0)) * 10) / 10;
  const { failures: __, ...nowFigures } = recorded as Record<string, unknown>;
  return {
    ...merged,
    ...nowFigures,
    ...(Object.keys(failures).length > 0 ? { failures } : { failures: undefined }),
    machine: {
      ...(recorded.machine as object),
      parts: { ...earlierParts, ...(recorded.machine as { parts: object }).parts },
    },
    durationsSec: { ...earlierDurations, ...nowDurations, total },
  };
}
