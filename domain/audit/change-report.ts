import { createHash } from 'node:crypto';
import { finishesDeployment } from '../events/deployment-finish.ts';
import type { LedgerEnvelope } from '../ledger/ledger-event.ts';

/**
 * The change-management report of SOX and SOC 2 (CC8.1): one item per production change (a deployment
 * that started or succeeded in the environment), with what an auditor checks on each sample — an
 * approver other than the author, tests, the gate, and the review of an emergency change. Every item
 * is computed only from ledger events (listed in `evidence` by seq), so an auditor holding those events
 * recomputes it offline with this same function.
 */

/** What a change item is judged from: the envelopes exactly as hashed into the ledger. */
export type ReportEvent = Pick<
  LedgerEnvelope,
  'seq' | 'type' | 'source' | 'id' | 'occurredAt' | 'recordedAt' | 'data'
>;

export type SeparationOfDuties = 'ok' | 'approver_is_author' | 'no_approval' | 'no_author_known';
export type GateDecision = 'passed' | 'failed' | 'bypassed' | 'not_required';
export type ReviewStatus = 'within_24h' | 'late' | 'missing' | 'not_required';

/** An emergency change must be reviewed within this long after it is recorded. */
export const REVIEW_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Data fields a CI system may use to name the person behind a deployment event. */
export const ACTOR_FIELDS = [
  'actor',
  'requestedBy',
  'deployedBy',
  'triggeredBy',
  'initiator',
  'user',
] as const;

export interface ChangeItem {
  readonly deploymentId: string;
  /** The first deployment.started or deployment.succeeded of this change in the scanned range. */
  readonly seq: number;
  readonly recordedAt: string;
  readonly occurredAt: string;
  readonly environment: string;
  readonly service: string | null;
  readonly version: string | null;
  readonly releaseId: string | null;
  readonly outcome: 'started' | 'succeeded' | 'failed';
  /** Who asked for and who ran it: each lifecycle event's source and the actor field it carried, if any. */
  readonly actors: readonly {
    readonly type: string;
    readonly source: string;
    readonly actor: string | null;
    readonly seq: number;
  }[];
  /** Commit authors of the release (`commits[].author`: a name, or `{name, email, login, username}`). */
  readonly authors: readonly string[];
  /** Approvals of the release for this environment recorded before the change. */
  readonly approvals: readonly { readonly approver: string; readonly at: string; readonly seq: number }[];
  readonly separationOfDuties: SeparationOfDuties;
  /** The latest result of each suite recorded before the change. */
  readonly tests: readonly { readonly suite: string; readonly passed: boolean; readonly seq: number }[];
  readonly testsOutcome: 'passed' | 'failed' | 'none';
  readonly gate: {
    readonly decision: GateDecision;
    readonly policyVersion: string | null;
    readonly seq: number | null;
  };
  readonly emergency: boolean;
  /** Why it counts as an emergency: its gate was bypassed, and/or a deployment event said `emergency: true`. */
  readonly emergencyReasons: readonly ('gate_bypassed' | 'declared')[];
  readonly review: {
    readonly status: ReviewStatus;
    readonly reviewer: string | null;
    readonly url: string | null;
    readonly at: string | null;
    readonly seq: number | null;
  };
  readonly incidents: readonly {
    readonly incidentId: string;
    readonly severity: string;
    readonly seq: number;
  }[];
  readonly rollback: {
    /** The deployment that rolled this one back (a later `deployment.succeeded` with `rollbackOf` here). */
    readonly rolledBackBy: string | null;
    readonly requested: { readonly toVersion: string; readonly seq: number } | null;
    /** This change is itself a rollback of that deployment. */
    readonly rollbackOf: string | null;
  };
  /** Seqs of every event this item was computed from, ascending. */
  readonly evidence: readonly number[];
}

export interface ChangeInput {
  readonly deploymentId: string;
  readonly environment: string;
  /** The scanned range: the change's population event must lie in it. */
  readonly range: { readonly fromSeq: number; readonly toSeq: number };
  /** The deployment's stream (its own events and those linked to it), up to the checkpoint. */
  readonly deploymentEvents: readonly ReportEvent[];
  /** Its release's stream, up to the checkpoint (empty when the deployment names no release). */
  readonly releaseEvents: readonly ReportEvent[];
}

/**
 * The event types that make a change: a deployment starting, taking traffic (a progressive step), or
 * succeeding. A canary that reports only `deployment.progressed` is a production change all the same.
 */
export const POPULATION_EVENT_TYPES: readonly string[] = [
  'deployment.started',
  'deployment.progressed',
  'deployment.succeeded',
];

/** A deployment.started, deployment.progressed or deployment.succeeded in the environment. */
export function isPopulationEvent(
  event: { readonly type: string; readonly data: Readonly<Record<string, unknown>> },
  environment: string,
): boolean {
  return (
    POPULATION_EVENT_TYPES.includes(event.type) &&
    event.data.environment === environment &&
    typeof event.data.deploymentId === 'string'
  );
}

/** The changes among `events` (any ledger events, in seq order): each deployment once, at its first event. */
export function populationOf(
  events: readonly ReportEvent[],
  environment: string,
): { readonly deploymentId: string; readonly seq: number }[] {
  const seen = new Map<string, number>();
  for (const event of events) {
    if (!isPopulationEvent(event, environment)) continue;
    const id = String(event.data.deploymentId);
    if (!seen.has(id)) seen.set(id, event.seq);
  }
  return [...seen].map(([deploymentId, seq]) => ({ deploymentId, seq })).sort((a, b) => a.seq - b.seq);
}

/**
 * The report item of one change, or undefined when the deployment has no population event in the
 * range. Only events of this deployment count (a deployment stream also holds the deployments that
 * roll it back or fix it); approvals and tests count only when recorded before the change.
 */
export function changeItem(input: ChangeInput): ChangeItem | undefined {
  const { deploymentId, environment, range } = input;
  const own = bySeq(input.deploymentEvents).filter((e) => e.data.deploymentId === deploymentId);
  const change = own.find(
    (e) => isPopulationEvent(e, environment) && e.seq >= range.fromSeq && e.seq <= range.toSeq,
  );
  if (!change) return undefined;
  const used = new Set<number>([change.seq]);
  const use = <E extends ReportEvent>(events: readonly E[]): E[] => {
    for (const event of events) used.add(event.seq);
    return [...events];
  };
  const lifecycle = use(own.filter((e) => e.type.startsWith('deployment.')));
  const text = (e: ReportEvent, key: string): string | null =>
    typeof e.data[key] === 'string' ? (e.data[key] as string) : null;
  const latest = (key: string) =>
    lifecycle
      .map((e) => text(e, key))
      .filter((v) => v !== null)
      .at(-1) ?? null;
  const releaseId = latest('releaseId');
  const releaseEvents = bySeq(input.releaseEvents).filter((e) => e.data.releaseId === releaseId);

  const created = releaseEvents.find((e) => e.type === 'release.created');
  if (created) use([created]);
  const authors = created ? authorsOf(created.data.commits) : [];
  const approvals = use(
    releaseEvents.filter(
      (e) => e.type === 'approval.granted' && e.data.environment === environment && e.seq < change.seq,
    ),
  ).map((e) => ({ approver: String(e.data.approver), at: e.recordedAt, seq: e.seq }));

  const latestTests = new Map<string, ReportEvent>();
  for (const e of releaseEvents)
    if (e.type === 'tests.completed' && e.seq < change.seq) latestTests.set(String(e.data.suite), e);
  const tests = use([...latestTests.values()].sort((a, b) => a.seq - b.seq)).map((e) => ({
    suite: String(e.data.suite),
    passed: e.data.passed === true,
    seq: e.seq,
  }));

  const bypass = own.find((e) => e.type === 'gate.bypassed');
  const evaluation = own
    .filter((e) => e.type === 'gate.evaluated' && e.data.environment === environment && e.seq < change.seq)
    .at(-1);
  const gate = gateOf(bypass, evaluation);
  if (bypass) use([bypass]);
  if (evaluation) use([evaluation]);

  const declared = lifecycle.some((e) => e.data.emergency === true);
  const emergencyReasons = [
    ...(bypass ? (['gate_bypassed'] as const) : []),
    ...(declared ? (['declared'] as const) : []),
  ];
  const emergency = emergencyReasons.length > 0;
  const reviewEvents = own.filter((e) => e.type === 'review.completed' && e.seq > change.seq);
  const review = reviewOf(emergency, change, reviewEvents);
  if (review.seq !== null) use(reviewEvents.filter((e) => e.seq === review.seq));

  const incidents = use(own.filter((e) => e.type === 'incident.opened')).map((e) => ({
    incidentId: String(e.data.incidentId),
    severity: String(e.data.severity),
    seq: e.seq,
  }));
  const rolledBackByEvent = bySeq(input.deploymentEvents).find(
    (e) => e.type === 'deployment.succeeded' && e.data.rollbackOf === deploymentId,
  );
  if (rolledBackByEvent) use([rolledBackByEvent]);
  const requested = own.find((e) => e.type === 'rollback.requested');
  if (requested) use([requested]);

  const outcome = lifecycle.some((e) => e.type === 'deployment.failed' && e.seq > change.seq)
    ? 'failed'
    : lifecycle.some(finishesDeployment)
      ? 'succeeded'
      : 'started';
  return {
    deploymentId,
    seq: change.seq,
    recordedAt: change.recordedAt,
    occurredAt: change.occurredAt,
    environment,
    service: latest('service') ?? (created ? text(created, 'service') : null),
    version: latest('version') ?? (created ? text(created, 'version') : null),
    releaseId,
    outcome,
    actors: lifecycle
      .filter((e) => e.type !== 'deployment.failed')
      .map((e) => ({ type: e.type, source: e.source, actor: actorOf(e.data), seq: e.seq })),
    authors,
    approvals,
    separationOfDuties: separationOfDuties(
      approvals.map((a) => a.approver),
      created ? authorIdentities(created.data.commits) : [],
    ),
    tests,
    testsOutcome: tests.length === 0 ? 'none' : tests.every((t) => t.passed) ? 'passed' : 'failed',
    gate,
    emergency,
    emergencyReasons,
    review,
    incidents,
    rollback: {
      rolledBackBy: rolledBackByEvent ? String(rolledBackByEvent.data.deploymentId) : null,
      requested: requested ? { toVersion: String(requested.data.toVersion), seq: requested.seq } : null,
      rollbackOf: lifecycle.map((e) => text(e, 'rollbackOf')).find((v) => v !== null) ?? null,
    },
    evidence: [...used].sort((a, b) => a - b),
  };
}

/**
 * `ok` needs at least one approver who is none of the authors; without approvals the change has
 * `no_approval`; with approvals but no known author nothing can be compared (`no_author_known`).
 * Identities compare trimmed and case-insensitively against each author's name, email, login and
 * username.
 */
export function separationOfDuties(
  approvers: readonly string[],
  authors: readonly (readonly string[])[],
): SeparationOfDuties {
  if (approvers.length === 0) return 'no_approval';
  if (authors.length === 0) return 'no_author_known';
  const known = new Set(authors.flat().map(normalise));
  return approvers.some((approver) => !known.has(normalise(approver))) ? 'ok' : 'approver_is_author';
}

/** A bypass wins over any evaluation; otherwise the last evaluation before the change; else none was needed. */
export function gateOf(
  bypass: ReportEvent | undefined,
  evaluation: ReportEvent | undefined,
): ChangeItem['gate'] {
  const policyVersion = (e: ReportEvent | undefined) =>
    e && typeof e.data.policyVersion === 'string' ? e.data.policyVersion : null;
  if (bypass) return { decision: 'bypassed', policyVersion: policyVersion(evaluation), seq: bypass.seq };
  if (evaluation)
    return {
      decision: evaluation.data.decision === 'passed' ? 'passed' : 'failed',
      policyVersion: policyVersion(evaluation),
      seq: evaluation.seq,
    };
  return { decision: 'not_required', policyVersion: null, seq: null };
}

/**
 * An emergency change needs a `review.completed` recorded after it; `within_24h` when the first such
 * review's recordedAt is at most 24 h after the change's, `late` when the first came later.
 */
export function reviewOf(
  emergency: boolean,
  change: ReportEvent,
  reviews: readonly ReportEvent[],
): ChangeItem['review'] {
  const first = bySeq(reviews)[0];
  const none = { reviewer: null, url: null, at: null, seq: null };
  if (!first) return { status: emergency ? 'missing' : 'not_required', ...none };
  const elapsed = Date.parse(first.recordedAt) - Date.parse(change.recordedAt);
  return {
    status: !emergency ? 'not_required' : elapsed <= REVIEW_WINDOW_MS ? 'within_24h' : 'late',
    reviewer: String(first.data.reviewer),
    url: typeof first.data.url === 'string' ? first.data.url : null,
    at: first.recordedAt,
    seq: first.seq,
  };
}

/**
 * The reproducible sample: each member's key is SHA-256 over the UTF-8 bytes of `seed`, a line feed and
 * its deploymentId (`printf '%s\n%s' "$SEED" "$ID" | sha256sum`); the `size` members with the smallest
 * keys (hex, compared as text; ties cannot occur for distinct ids) are the sample, listed in seq order.
 * Without the seed nobody can steer which changes are drawn, and with it anyone can redraw them.
 */
export function sampleOf<M extends { readonly deploymentId: string; readonly seq: number }>(
  members: readonly M[],
  size: number,
  seed: string,
): M[] {
  return members
    .map((member) => ({ member, key: sampleKey(seed, member.deploymentId) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, size)
    .map(({ member }) => member)
    .sort((a, b) => a.seq - b.seq);
}

export function sampleKey(seed: string, deploymentId: string): string {
  return createHash('sha256').update(`${seed}\n${deploymentId}`, 'utf8').digest('hex');
}

function bySeq<E extends ReportEvent>(events: readonly E[]): E[] {
  return [...events].sort((a, b) => a.seq - b.seq);
}

function normalise(identity: string): string {
  return identity.trim().toLowerCase();
}

function actorOf(data: Readonly<Record<string, unknown>>): string | null {
  for (const field of ACTOR_FIELDS) {
    const name = identitiesOf(data[field])[0];
    if (name !== undefined) return name;
  }
  return null;
}

/** Each commit author's identities (name, email, login, username), for comparison with approvers. */
export function authorIdentities(commits: unknown): string[][] {
  if (!Array.isArray(commits)) return [];
  return commits
    .map((commit) => identitiesOf((commit as Record<string, unknown> | null)?.author))
    .filter((ids) => ids.length > 0);
}

/** The distinct authors of a release's commits, each by its first identity. */
function authorsOf(commits: unknown): string[] {
  return [...new Set(authorIdentities(commits).map((ids) => ids[0] as string))];
}

function identitiesOf(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value.trim()] : [];
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  return ['login', 'username', 'name', 'email']
    .map((key) => record[key])
    .filter((v): v is string => typeof v === 'string' && v.trim().length > 0)
    .map((v) => v.trim());
}
