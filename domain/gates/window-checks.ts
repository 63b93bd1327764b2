import type { CheckResult } from '../events/decision-events.ts';
import type { Policy } from '../policies/policy.ts';
import { isRecurring, type RecurringWindow } from '../policies/recurring-window.ts';
import { clockMinutes, localTime } from './local-time.ts';
import {
  floating,
  instantOf,
  nextOccurrence,
  type Occurrence,
  occurrencesAt,
  parseRecurrence,
} from './recurrence.ts';

type FreezeWindow = Exclude<NonNullable<Policy['freezeWindows']>[number], RecurringWindow>;
type DeployWindow = Exclude<NonNullable<Policy['deployWindows']>[number], RecurringWindow>;
type AnyWindow = FreezeWindow | DeployWindow | RecurringWindow;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const WEEKDAY_INDEX = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** How one window of either list behaves: a deny blocks while active, allows are where deploys may go. */
interface WindowRule {
  readonly window: AnyWindow;
  readonly kind: 'allow' | 'deny';
  readonly activeAt: (at: Date) => Occurrence | null;
  /** The next time this window starts after `at` (allows only matter), null when never again. */
  readonly nextStart: (at: Date) => Date | null;
}

function ruleOf(window: AnyWindow): WindowRule {
  if (isRecurring(window)) {
    const recurrence = parseRecurrence(window.rrule);
    // The policy schema refused unparsable rules, so this only guards a hand-built policy.
    if ('error' in recurrence) throw new Error(`recurring window: ${recurrence.error}`);
    return {
      window,
      kind: window.kind,
      activeAt: (at) => occurrencesAt(recurrence, window.durationMinutes, window.timeZone, at)[0] ?? null,
      nextStart: (at) =>
        nextOccurrence(recurrence, window.durationMinutes, window.timeZone, at)?.start ?? null,
    };
  }
  if ('start' in window) {
    const start = Date.parse(window.start);
    const end = Date.parse(window.end);
    return {
      window,
      kind: 'deny',
      activeAt: (at) =>
        start <= at.getTime() && at.getTime() < end ? { start: new Date(start), end: new Date(end) } : null,
      nextStart: (at) => (start > at.getTime() ? new Date(start) : null),
    };
  }
  return {
    window,
    kind: 'allow',
    activeAt: (at) => dailyOccurrences(window, at, 0).find((o) => o.start <= at && at < o.end) ?? null,
    nextStart: (at) => {
      for (let day = 0; day <= 8; day += 1) {
        const found = dailyOccurrences(window, at, day).find((o) => o.start > at);
        if (found) return found.start;
      }
      return null;
    },
  };
}

/** A weekly clock window's occurrence on the local day `dayOffset` days from `at`, if that day is listed. */
function dailyOccurrences(window: DeployWindow, at: Date, dayOffset: number): Occurrence[] {
  const day = floating(new Date(at.getTime() + dayOffset * DAY), window.timeZone);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const weekday = WEEKDAY_INDEX[new Date(midnight).getUTCDay()];
  if (!weekday || !window.days.includes(weekday)) return [];
  const start = instantOf(new Date(midnight + clockMinutes(window.from) * MINUTE), window.timeZone);
  const end = instantOf(new Date(midnight + clockMinutes(window.to) * MINUTE), window.timeZone);
  return end > start ? [{ start, end }] : [];
}

interface ListVerdict {
  readonly passed: boolean;
  readonly deniedBy: { readonly rule: WindowRule; readonly occurrence: Occurrence } | null;
  readonly insideAllow: { readonly rule: WindowRule; readonly occurrence: Occurrence } | null;
}

/** Deny wins: no deny window may be active, and where allows exist the instant must be inside one. */
function judge(rules: readonly WindowRule[], at: Date): ListVerdict {
  const active = (kind: 'allow' | 'deny') =>
    rules
      .filter((r) => r.kind === kind)
      .map((rule) => ({ rule, occurrence: rule.activeAt(at) }))
      .find((r): r is { rule: WindowRule; occurrence: Occurrence } => r.occurrence !== null) ?? null;
  const deniedBy = active('deny');
  const insideAllow = active('allow');
  const hasAllows = rules.some((r) => r.kind === 'allow');
  return { passed: deniedBy === null && (!hasAllows || insideAllow !== null), deniedBy, insideAllow };
}

/**
 * When the list next lets a deployment through: past every deny active then, into the next allow.
 * Null when it never does again (a rule that ended, or allow windows that never recur).
 */
function resumesAt(rules: readonly WindowRule[], from: Date): Date | null {
  let at = from;
  for (let step = 0; step < 200; step += 1) {
    const verdict = judge(rules, at);
    if (verdict.passed) return at;
    const denies = rules
      .flatMap((r) => (r.kind === 'deny' ? [r.activeAt(at)] : []))
      .filter((o) => o !== null);
    if (denies.length > 0) {
      at = new Date(Math.max(...denies.map((o) => o.end.getTime())));
      continue;
    }
    const starts = rules
      .filter((r) => r.kind === 'allow')
      .map((r) => r.nextStart(at))
      .filter((d): d is Date => d !== null);
    if (starts.length === 0) return null;
    at = new Date(Math.min(...starts.map((d) => d.getTime())));
  }
  return null;
}

const describe = (window: AnyWindow): string =>
  isRecurring(window)
    ? `${window.kind} window ${JSON.stringify(window.rrule)} (${window.durationMinutes} min, ${window.timeZone})${window.reason ? `: ${window.reason}` : ''}`
    : 'start' in window
      ? `freeze ${window.start} to ${window.end}${window.reason ? `: ${window.reason}` : ''}`
      : `${window.days.join('/')} ${window.from}-${window.to} ${window.timeZone}`;

const occurrenceData = (o: Occurrence) => ({ start: o.start.toISOString(), end: o.end.toISOString() });

/** Not inside a freeze window (nor a recurring deny window of that list). */
export function freezeCheck(policy: Policy, now: Date): CheckResult | undefined {
  const windows = policy.freezeWindows;
  if (!windows?.length) return undefined;
  const rules = windows.map(ruleOf);
  const verdict = judge(rules, now);
  const resumes = verdict.passed ? null : resumesAt(rules, now);
  const recurring = windows.some(isRecurring);
  const blocking = verdict.deniedBy?.rule.window ?? null;
  // Lists of plain freezes keep the wording and fields they always had; resumesAt is added when frozen.
  const detail = verdict.passed
    ? 'not in a freeze window'
    : blocking && !isRecurring(blocking) && 'start' in blocking
      ? `frozen from ${blocking.start} to ${blocking.end}${blocking.reason ? `: ${blocking.reason}` : ''}`
      : blocking
        ? `denied by ${describe(blocking)} until ${verdict.deniedBy?.occurrence.end.toISOString()}`
        : `outside every allow window of the freeze list; resumes ${resumes?.toISOString() ?? 'never'}`;
  return {
    name: 'freeze-windows',
    passed: verdict.passed,
    detail,
    observed: {
      now: now.toISOString(),
      activeWindow: blocking,
      ...(verdict.passed ? {} : { resumesAt: resumes?.toISOString() ?? null }),
      ...(recurring && verdict.deniedBy ? { occurrence: occurrenceData(verdict.deniedBy.occurrence) } : {}),
    },
  };
}

/** Inside one of the deploy windows, judged on each window's own wall clock; deny windows win. */
export function deployWindowCheck(policy: Policy, now: Date): CheckResult | undefined {
  const windows = policy.deployWindows;
  if (!windows?.length) return undefined;
  const rules = windows.map(ruleOf);
  const verdict = judge(rules, now);
  const resumes = verdict.passed ? null : resumesAt(rules, now);
  const entries = rules.map((rule) => {
    const occurrence = rule.activeAt(now);
    const window = rule.window as DeployWindow | RecurringWindow;
    if (!isRecurring(window))
      return { ...window, localTime: localTime(now, window.timeZone).text, inside: occurrence !== null };
    return {
      ...window,
      active: occurrence !== null,
      ...(occurrence ? { occurrence: occurrenceData(occurrence) } : {}),
    };
  });
  const plainTimes = rules
    .map((r) => r.window)
    .filter((w): w is DeployWindow => !isRecurring(w))
    .map((w) => localTime(now, w.timeZone).text);
  const match = verdict.insideAllow?.rule.window as DeployWindow | RecurringWindow | undefined;
  const detail = verdict.passed
    ? match
      ? isRecurring(match)
        ? `inside ${describe(match)}`
        : `inside ${match.days.join('/')} ${match.from}-${match.to} (${localTime(now, match.timeZone).text})`
      : 'no deny window is active'
    : verdict.deniedBy
      ? `denied by ${describe(verdict.deniedBy.rule.window)} until ${verdict.deniedBy.occurrence.end.toISOString()}`
      : `outside every deploy window (${plainTimes.length ? plainTimes.join('; ') : 'no allow window is open'})`;
  return {
    name: 'deploy-windows',
    passed: verdict.passed,
    detail,
    observed: {
      now: now.toISOString(),
      windows: entries,
      ...(verdict.passed
        ? {}
        : {
            deniedBy: verdict.deniedBy ? verdict.deniedBy.rule.window : null,
            resumesAt: resumes?.toISOString() ?? null,
          }),
    },
  };
}
