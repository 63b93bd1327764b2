import { authorIdentities, separationOfDuties } from '../audit/change-report.ts';
import type { StoredEvent } from '../ledger/ledger-event.ts';
import type { Check } from './gate-checks.ts';

const data = (event: { data: unknown }) => event.data as Record<string, unknown>;

/** Why an item of the checklist does not count yet. */
export type ChecklistGap = 'not_completed' | 'completed_by_author' | 'no_author_known';

/**
 * Every checklist item was completed for the release in the target environment. An item with
 * `distinctFromAuthor` counts only when someone other than every commit author completed it, compared
 * as the change report compares approvers (name, email, login, username; trimmed, case-insensitive);
 * when the release names no commit author, distinctness cannot be shown and the item does not count.
 */
export const checklist: Check = (policy, facts) => {
  if (!policy.checklist?.length) return undefined;
  const { environment } = facts.request;
  const completions = facts.releaseEvents.filter(
    (e) => e.type === 'checklist.item.completed' && data(e).environment === environment,
  );
  const created = facts.releaseEvents.find((e) => e.type === 'release.created');
  const authors = authorIdentities(created ? data(created).commits : undefined);
  const items = policy.checklist.map(({ item, distinctFromAuthor }) => {
    const completedBy = [
      ...new Set(completions.filter((e) => data(e).item === item).map((e) => String(data(e).by).trim())),
    ];
    const distinct = completedBy.filter((by) => separationOfDuties([by], authors) === 'ok');
    const gap: ChecklistGap | null =
      completedBy.length === 0
        ? 'not_completed'
        : !distinctFromAuthor || distinct.length > 0
          ? null
          : authors.length === 0
            ? 'no_author_known'
            : 'completed_by_author';
    return { item, distinctFromAuthor: distinctFromAuthor === true, completedBy, gap };
  });
  const missing = items.flatMap(({ item, completedBy, gap }) =>
    gap === null ? [] : [{ item, reason: gap, completedBy }],
  );
  const describe = ({ item, reason, completedBy }: (typeof missing)[number]) =>
    reason === 'not_completed'
      ? item
      : reason === 'completed_by_author'
        ? `${item} (only by a commit author: ${completedBy.join(', ')})`
        : `${item} (needs someone other than a commit author, and the release names none)`;
  return {
    name: 'checklist',
    passed: missing.length === 0,
    detail:
      missing.length === 0
        ? `${items.length} checklist item(s) completed for ${environment}`
        : `missing for ${environment}: ${missing.map(describe).join('; ')}`,
    observed: {
      environment,
      items: items.map(({ gap, ...item }) => ({ ...item, completed: gap === null })),
      missing,
    },
  };
};

/** A handoff acknowledged for this deployment, or for its release in the environment. */
export interface Acknowledgement {
  readonly engineer: string;
  readonly scope: 'deployment' | 'release';
  readonly at: string;
  readonly seq: number;
}

/**
 * The acknowledgements that cover a deployment: those naming it (in its environment), and those naming
 * its release in the environment without naming a deployment. In ledger order, each once.
 */
export function handoffsOf(
  target: { readonly deploymentId: string; readonly releaseId: string | null; readonly environment: string },
  deploymentEvents: readonly StoredEvent[],
  releaseEvents: readonly StoredEvent[],
): Acknowledgement[] {
  const bySeq = new Map<number, Acknowledgement>();
  for (const event of [...deploymentEvents, ...releaseEvents]) {
    if (event.type !== 'oncall.handoff.acknowledged') continue;
    const d = data(event);
    if (d.environment !== target.environment) continue;
    const scope =
      d.deploymentId === target.deploymentId
        ? 'deployment'
        : d.deploymentId === undefined && target.releaseId !== null && d.releaseId === target.releaseId
          ? 'release'
          : undefined;
    if (scope === undefined) continue;
    bySeq.set(event.seq, { engineer: String(d.engineer), scope, at: event.recordedAt, seq: event.seq });
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The on-call engineer acknowledged the handoff before the deployment was requested. */
export const onCallHandoff: Check = (policy, facts) => {
  if (!policy.onCall?.requireHandoff) return undefined;
  const { deploymentId, releaseId, environment } = facts.request;
  const acknowledgements = handoffsOf(
    { deploymentId, releaseId, environment },
    facts.deploymentEvents ?? [],
    facts.releaseEvents,
  );
  const first = acknowledgements[0];
  return {
    name: 'onCallHandoff',
    passed: first !== undefined,
    detail: first
      ? `handed off to ${[...new Set(acknowledgements.map((a) => a.engineer))].join(', ')}`
      : `no on-call handoff acknowledged for deployment ${deploymentId}${releaseId ? ` or release ${releaseId}` : ''} in ${environment}`,
    observed: { deploymentId, releaseId, environment, acknowledgements },
  };
};
