import { canonicalJson } from '../ledger/canonical-json.ts';
import { sha256Hex } from '../ledger/hash-chain.ts';

/** What the DORA maths is configured with; changing any of it is a definition change. */
export interface DoraDefinitions {
  /** Environment names that count as production, compared case-insensitively. */
  readonly productionEnvironments: readonly string[];
  /** How long after a successful deployment an incident without `deploymentId` is still blamed on it. */
  readonly incidentGapHours: number;
  /**
   * How many days the projection searches before or after a deployment for the neighbour it is linked to
   * by inference: the deployment a rollback without `rollbackOf` undoes, or the deployment that first
   * shipped a `change.merged`. Bounded so that one event recomputes a bounded number of days.
   */
  readonly lookbackDays: number;
}

export const DEFAULT_DORA_DEFINITIONS: DoraDefinitions = {
  productionEnvironments: ['production', 'prod'],
  incidentGapHours: 24,
  lookbackDays: 90,
};

/**
 * Bumped by hand whenever the maths changes meaning. The projection version also hashes the
 * configuration, so changing the production environments or the gap builds a new projection too.
 */
// dora-2023.2: rollbacks without `rollbackOf` and carried-out `rollback.requested` decisions count as rolled
// back; CDEvents `change.merged` gives lead time samples to deployments whose release lists no commits.
// dora-2023.3: the same maths; scopes also keep month rollups with per-bin sample lists, so a long window
// reads a dozen months instead of every day's samples (a new projection, built beside the old one).
// dora-2023.4: a `change.merged` sample starts at the change's first commit time, else its creation, else
// its merge, and names that start rule (`startRule`) in the evidence, as release commit samples do.
// dora-2023.5: a `deployment.progressed` at weight 100 finishes a deployment (counted once, whatever reports
// follow); releases released to users (`feature.released` at exposure 100) give release frequency and lead
// time to release.
// dora-2023.6: a release commit that is a change's merge commit (a squash merge) starts at the change's start.
// dora-2023.7: deployments keep their `reason`; rollups count `incident` and `bug` reworks (the two
// readings of rework rate) and rollbacks (rollback rate).
// dora-2023.8: `release.watch.completed` gives deployments their first-day alert volume; rollups keep
// watched and above-baseline counts and the ratio samples (post-release alert volume).
// dora-2023.9: a deployment whose release lists no commits ships the changes merged as the commit its
// version or revision fields (or its release's, or its artifact purl's) name, sha abbreviations included;
// those changes count to it (`matchedBy`) and no longer by time. Facts keep revisions and a `rev` index.
// dora-2023.10: the same maths; integer lists (samples, month bin counts) are stored sorted, delta-encoded
// as varints in binary attributes instead of JSON text, so a whole-tenant year reads a fraction of the
// bytes (a new projection, built beside the old one).
export const DORA_DEFINITIONS_REVISION = 'dora-2023.10';

/** The version rollups are keyed by: revision plus a short hash of the configuration. */
export function definitionsVersion(definitions: DoraDefinitions): string {
  const config = {
    productionEnvironments: [
      ...new Set(definitions.productionEnvironments.map((e) => e.toLowerCase())),
    ].sort(),
    incidentGapHours: definitions.incidentGapHours,
    lookbackDays: definitions.lookbackDays,
  };
  return `${DORA_DEFINITIONS_REVISION}-${sha256Hex(canonicalJson(config)).slice(0, 8)}`;
}

export function isProductionEnvironment(definitions: DoraDefinitions, environment: string): boolean {
  const wanted = environment.toLowerCase();
  return definitions.productionEnvironments.some((e) => e.toLowerCase() === wanted);
}

/** Whole days an incident can look back for its deployment (the gap rounded up). */
export function gapDays(definitions: DoraDefinitions): number {
  return Math.max(0, Math.ceil(definitions.incidentGapHours / 24));
}
