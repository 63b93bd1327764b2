/**
 * The projection's state is a set of small documents addressed by typed keys. The fold reads and writes
 * them only through this interface, so the same code runs on an in-memory map (full recomputation,
 * property tests) and on DynamoDB items loaded on demand by the projector.
 */
export type ProjectionKey =
  /** One deployment's reported facts and the links other events made to it. */
  | readonly ['dep', deploymentId: string]
  | readonly ['rel', releaseId: string]
  | readonly ['inc', incidentId: string]
  /** Production deployments finishing, and unattributed incidents opening, on one day of a service. */
  | readonly ['tl', service: string, environment: string, day: string]
  /** The releases of a service that list a commit (only ever grows). */
  | readonly ['commit', service: string, sha: string]
  /** Production deployments of a service finishing in one week (its Monday), in every environment. */
  | readonly ['stl', service: string, week: string]
  /** The production environments a service has deployed to. */
  | readonly ['senv', service: string]
  /** A CDEvents change (`change.merged`) and the changes of a service merged on one day. */
  | readonly ['chg', changeId: string]
  | readonly ['chgwk', service: string, week: string]
  /** Changes, production deployments and releases of a service naming a commit, by its first 7 digits. */
  | readonly ['rev', service: string, shaPrefix: string]
  /** The evidence of one service, environment and day: every production deployment finishing then. */
  | readonly ['cell', service: string, environment: string, day: string]
  /** The additive rollup of one scope (any of service, environment, team) on one day. */
  | readonly ['scope', scopeKey: string, day: string]
  /** The same scope's month: summed counts and per-bin sample counts (see month-rollups.ts). */
  | readonly ['month', scopeKey: string, month: string]
  /** The sorted samples of one field of a scope's month falling in one value bin. */
  | readonly ['mbin', scopeKey: string, month: string, field: string, bin: number]
  /** Releases released to users (issue 20, see release-exposure.ts): a flag ref's full exposures. */
  | readonly ['rexp', ref: string]
  /** A release's service and version, and the releases of a service version. */
  | readonly ['rver', releaseId: string]
  | readonly ['relsv', service: string, version: string]
  /** Flag refs reaching 100 on one day of a service and environment, their evidence, and scope rollups. */
  | readonly ['rtl', service: string, environment: string, day: string]
  | readonly ['rcell', service: string, environment: string, day: string]
  | readonly ['rscope', scopeKey: string, day: string];

export type ProjectionKind = ProjectionKey[0];

export interface ProjectionStore {
  /** The document, or undefined when there is none. */
  get(key: ProjectionKey): unknown;
  /** Writes a document; undefined deletes it. */
  set(key: ProjectionKey, value: unknown): void;
}

export function keyId(key: ProjectionKey): string {
  return JSON.stringify(key);
}

/** A plain map: everything is present, nothing is ever missing. */
export class MemoryProjectionStore implements ProjectionStore {
  readonly docs = new Map<string, { key: ProjectionKey; value: unknown }>();

  get(key: ProjectionKey): unknown {
    return this.docs.get(keyId(key))?.value;
  }

  set(key: ProjectionKey, value: unknown): void {
    if (value === undefined) this.docs.delete(keyId(key));
    else this.docs.set(keyId(key), { key, value });
  }

  /** Every document of one kind, in key order (tests and full recomputation read them). */
  entries(kind: ProjectionKind): { key: ProjectionKey; value: unknown }[] {
    return [...this.docs.values()]
      .filter((doc) => doc.key[0] === kind)
      .sort((a, b) => (keyId(a.key) < keyId(b.key) ? -1 : 1));
  }
}

/**
 * A view over documents loaded so far, writing into an overlay. Reading a key that was never loaded
 * records it as missing and answers "absent"; the caller loads the missing keys and runs the pure fold
 * again from the same snapshot, until a run completes with nothing missing.
 */
export class OverlayProjectionStore implements ProjectionStore {
  readonly missing = new Map<string, ProjectionKey>();
  readonly written = new Map<string, { key: ProjectionKey; value: unknown }>();

  /** `loaded` holds null for keys known to be absent. */
  constructor(private readonly loaded: ReadonlyMap<string, unknown>) {}

  get(key: ProjectionKey): unknown {
    const id = keyId(key);
    const write = this.written.get(id);
    if (write) return write.value;
    if (!this.loaded.has(id)) {
      this.missing.set(id, key);
      return undefined;
    }
    return this.loaded.get(id) ?? undefined;
  }

  set(key: ProjectionKey, value: unknown): void {
    this.written.set(keyId(key), { key, value });
  }

  /** Documents whose value differs from what was loaded: what must be stored. */
  changes(): { key: ProjectionKey; before: unknown; after: unknown }[] {
    return [...this.written.entries()].flatMap(([id, { key, value }]) => {
      const before = this.loaded.get(id) ?? undefined;
      return JSON.stringify(before) === JSON.stringify(value) ? [] : [{ key, before, after: value }];
    });
  }
}
