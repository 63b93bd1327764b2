import type { StoredEvent } from '../ledger/ledger-event.ts';

/**
 * Which test runs belong to a release, when a run need not name it (issue 18). In order:
 * - `explicit`: the run names the release (`releaseId`, or CDEvents `customData.releaseId`), so it is
 *   in the release's own stream;
 * - `chain`: the run shares a CDEvents chain (`context.chainId`) with an artifact, build or deployment
 *   event of the release: every event with a chain id is also appended to `chain/<id>`, in the same
 *   transaction as the event itself, so ingest looks nothing up;
 * - `artifact`: the run names an artifact (purl) the release ships: such runs are also in `artifact/<id>`.
 * A run that names another release is never taken by a later rule. Runs nothing links are stored all the
 * same, under their own `testsuite/<id>` stream. Pure: readers pass in the streams they read.
 */
export type LinkRule = 'explicit' | 'chain' | 'artifact';

export interface LinkedTestRun {
  readonly event: StoredEvent;
  readonly linkedBy: LinkRule;
}

export interface LinkKeys {
  readonly chains: readonly string[];
  readonly artifacts: readonly string[];
}

const RELEASE_SIDE = /^(deployment|artifact|build)\./;

function text(data: unknown, key: string): string | undefined {
  const value = (data as Record<string, unknown>)[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The chain ids and artifact ids of a release's artifact, build and deployment events (and of extra
 * events, such as the deployment request a gate judges, which may not be in the release's stream yet).
 */
export function linkKeysOf(releaseEvents: readonly StoredEvent[], extra: readonly unknown[] = []): LinkKeys {
  const chains = new Set<string>();
  const artifacts = new Set<string>();
  const datas = [...releaseEvents.filter((e) => RELEASE_SIDE.test(e.type)).map((e) => e.data), ...extra];
  for (const data of datas) {
    const chain = text(data, 'chainId');
    const artifact = text(data, 'artifactId');
    if (chain) chains.add(chain);
    if (artifact) artifacts.add(artifact);
  }
  return { chains: [...chains].sort(), artifacts: [...artifacts].sort() };
}

/** The release's test runs by every rule, each once, in ledger order. */
export function linkedTestRuns(
  releaseId: string,
  releaseEvents: readonly StoredEvent[],
  chainEvents: readonly StoredEvent[],
  artifactEvents: readonly StoredEvent[],
): LinkedTestRun[] {
  const bySeq = new Map<number, LinkedTestRun>();
  const take = (events: readonly StoredEvent[], linkedBy: LinkRule) => {
    for (const event of events) {
      if (event.type !== 'tests.completed' || bySeq.has(event.seq)) continue;
      const named = text(event.data, 'releaseId');
      if (linkedBy !== 'explicit' && named !== undefined && named !== releaseId) continue;
      bySeq.set(event.seq, { event, linkedBy });
    }
  };
  take(releaseEvents, 'explicit');
  take(chainEvents, 'chain');
  take(artifactEvents, 'artifact');
  return [...bySeq.values()].sort((a, b) => a.event.seq - b.event.seq);
}
