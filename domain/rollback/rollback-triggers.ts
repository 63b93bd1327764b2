import type { StoredEvent } from '../ledger/ledger-event.ts';
import type { RollbackTriggerSpec } from '../policies/health-policy.ts';
import { type Policy, policyInForce } from '../policies/policy.ts';

/** One `metric.observed` of a service in an environment: its value at its occurrence time. */
export interface MetricSample {
  readonly metric: string;
  readonly at: string;
  readonly value: number;
  /** Ledger position: orders samples that share a time, so evaluation is deterministic. */
  readonly seq: number;
}

/** The evidence a fired trigger carries into `rollback.requested` (and `rollback.skipped`). */
export interface TriggerEvidence {
  readonly name: string;
  readonly metric: string;
  readonly threshold: number;
  /** The median the threshold multiplies; null for an absolute (`above`) trigger. */
  readonly baseline: number | null;
  /** The breaching samples spanning `forMinutes`, oldest first (thinned to MAX_OBSERVED, ends kept). */
  readonly observed: readonly { readonly at: string; readonly value: number }[];
  readonly forMinutes: number;
}

export type TriggerEvaluation =
  | { readonly status: 'fired'; readonly evidence: TriggerEvidence }
  /** It did not fire, and why: within threshold, not long enough, no baseline, outside the watch. */
  | {
      readonly status: 'quiet' | 'no-baseline' | 'outside-watch';
      readonly name: string;
      readonly reason: string;
    };

export interface TriggerInput {
  readonly triggers: readonly RollbackTriggerSpec[];
  /** When the deployment started (null when no start was reported) and when it succeeded. */
  readonly deployment: {
    readonly deploymentId: string;
    readonly startedAt: string | null;
    readonly succeededAt: string;
  };
  readonly watchHours: number;
  /** Samples of the service in the environment, in any order. */
  readonly samples: readonly MetricSample[];
  /** The instant of evaluation (the recording time of the sample that prompted it). */
  readonly now: string;
}

export const DEFAULT_WATCH_HOURS = 24;
/** The most samples one decision lists as evidence; more are thinned evenly, the first and last kept. */
export const MAX_OBSERVED = 500;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Evaluates the triggers agreed for a deployment. A trigger fires when every sample of its metric over a
 * span of at least `forMinutes`, ending at the newest sample inside the watch, is above its threshold:
 * `above`, or `aboveBaseline` × the median of the metric over the `baselineDays` before the deployment
 * started (succeeded, if no start was reported). The watch runs `watchHours` from the success; samples
 * outside it are not looked at, and after it nothing fires. Pure: the same input gives the same answer.
 */
export function evaluateRollbackTriggers(input: TriggerInput): TriggerEvaluation[] {
  const { deployment } = input;
  const succeeded = Date.parse(deployment.succeededAt);
  const watchEnd = succeeded + input.watchHours * HOUR;
  const started = Date.parse(deployment.startedAt ?? deployment.succeededAt);
  return input.triggers.map((trigger): TriggerEvaluation => {
    const { name } = trigger;
    if (Date.parse(input.now) > watchEnd)
      return {
        status: 'outside-watch',
        name,
        reason: `the ${input.watchHours} h watch of deployment ${deployment.deploymentId} ended at ${new Date(watchEnd).toISOString()}`,
      };
    const ofMetric = input.samples.filter((s) => s.metric === trigger.metric);
    let baseline: number | null = null;
    let threshold: number;
    if (trigger.aboveBaseline !== undefined) {
      const from = started - trigger.baselineDays * DAY;
      baseline = median(
        ofMetric.filter((s) => Date.parse(s.at) >= from && Date.parse(s.at) < started).map((s) => s.value),
      );
      if (baseline === null)
        return {
          status: 'no-baseline',
          name,
          reason: `no ${trigger.metric} samples in the ${trigger.baselineDays} days before deployment ${deployment.deploymentId} started, so ${trigger.aboveBaseline}× baseline has nothing to multiply`,
        };
      threshold = trigger.aboveBaseline * baseline;
    } else {
      threshold = trigger.above as number;
    }
    const watched = ofMetric
      .filter((s) => Date.parse(s.at) >= succeeded && Date.parse(s.at) <= watchEnd)
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);
    const window = breachingWindow(watched, threshold, trigger.forMinutes);
    if (!window)
      return {
        status: 'quiet',
        name,
        reason: `${trigger.metric} has not been above ${threshold} for ${trigger.forMinutes} min`,
      };
    return {
      status: 'fired',
      evidence: {
        name,
        metric: trigger.metric,
        threshold,
        baseline,
        observed: thin(window).map((s) => ({ at: s.at, value: s.value })),
        forMinutes: trigger.forMinutes,
      },
    };
  });
}

/**
 * The newest samples, back to the first that makes them span `forMinutes`, when every one of them is
 * above the threshold; undefined when a sample within the span is not, or the breach is shorter.
 */
function breachingWindow(
  sorted: readonly MetricSample[],
  threshold: number,
  forMinutes: number,
): MetricSample[] | undefined {
  const newest = sorted.at(-1);
  if (!newest) return undefined;
  const end = Date.parse(newest.at);
  for (let i = sorted.length - 1; i >= 0; i -= 1) {
    const sample = sorted[i] as MetricSample;
    if (!(sample.value > threshold)) return undefined;
    if (end - Date.parse(sample.at) >= forMinutes * MINUTE) return sorted.slice(i);
  }
  return undefined;
}

function thin(samples: readonly MetricSample[]): readonly MetricSample[] {
  if (samples.length <= MAX_OBSERVED) return samples;
  const step = (samples.length - 1) / (MAX_OBSERVED - 1);
  return Array.from({ length: MAX_OBSERVED }, (_, i) => samples[Math.round(i * step)] as MetricSample);
}

/** The median (mean of the middle two for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What was agreed for a deployment: the triggers and watch of the policy in force when it started. */
export interface AgreedTriggers {
  /** Null when no policy governed the pair then. */
  readonly policyVersion: string | null;
  readonly triggers: readonly RollbackTriggerSpec[];
  readonly watchHours: number;
  /** The agreed policy itself: whether auto-rollback acts on the triggers is part of the agreement. */
  readonly policy: { readonly policy: Policy; readonly version: string } | undefined;
}

/**
 * The ledger position the agreement is taken at: the deployment's first `deployment.started`, else its
 * first `deployment.succeeded`; undefined while it has neither. A traffic step counts as a start.
 */
export function agreementSeq(deploymentId: string, events: readonly StoredEvent[]): number | undefined {
  const own = (type: string) =>
    events.find(
      (e) => e.type === type && (e.data as { deploymentId?: unknown }).deploymentId === deploymentId,
    );
  // A traffic step starts a progressive deployment as `deployment.started` does.
  const starts = [own('deployment.started'), own('deployment.progressed')].flatMap((e) => (e ? [e.seq] : []));
  return starts.length > 0 ? Math.min(...starts) : own('deployment.succeeded')?.seq;
}

/** The triggers the policy in force before `seq` agreed; later edits of the policy change nothing. */
export function agreedTriggers(policyHistory: readonly StoredEvent[], seq: number): AgreedTriggers {
  const inForce = policyInForce(policyHistory, seq);
  return {
    policyVersion: inForce?.version ?? null,
    triggers: inForce?.policy.rollbackTriggers ?? [],
    watchHours: watchHoursOf(inForce?.policy),
    policy: inForce,
  };
}

/**
 * Whether any version of a pair's policy ever had a trigger on this metric: when none did, no deployment
 * can have agreed one, and a sample needs no look at the service's history.
 */
export function mayTrigger(policyHistory: readonly StoredEvent[], metric: string): boolean {
  return policyHistory.some(
    (e) =>
      e.type === 'policy.updated' &&
      ((e.data as { policy?: Policy }).policy?.rollbackTriggers ?? []).some((t) => t.metric === metric),
  );
}

/** `watchHours` of a policy (the watch's own field, issue 19), else 24. */
function watchHoursOf(policy: Policy | undefined): number {
  const hours = (policy as { watchHours?: unknown } | undefined)?.watchHours;
  return typeof hours === 'number' && Number.isFinite(hours) && hours > 0 ? hours : DEFAULT_WATCH_HOURS;
}
