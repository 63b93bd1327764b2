import { after, between, parseRule, type RecurrenceRule } from './rrule.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** When a rule names no DTSTART its occurrences count from local midnight of 2000-01-01. */
const DEFAULT_START = Date.UTC(2000, 0, 1);

/**
 * An RFC 5545 recurrence whose dates are "floating": their UTC fields are wall-clock fields of the
 * window's time zone. Expanding in wall-clock time and converting each occurrence afterwards is what
 * keeps a 09:00 window at 09:00 across daylight-saving changes.
 */
export interface Recurrence {
  readonly rule: RecurrenceRule;
}

/** Parses `[DTSTART:YYYYMMDDTHHMMSS\n][RRULE:]FREQ=…`, or says what is wrong with it. */
export function parseRecurrence(text: string): Recurrence | { error: string } {
  let dtstart = DEFAULT_START;
  let ruleText: string | undefined;
  for (const line of text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)) {
    if (/^DTSTART/i.test(line)) {
      const match = /^DTSTART:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/i.exec(line);
      if (!match)
        return {
          error:
            'DTSTART must be a local time YYYYMMDDTHHMMSS without Z or TZID: the window’s timeZone places it',
        };
      const [, y, mo, d, h, mi, s] = match.map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      dtstart = Date.UTC(y, mo - 1, d, h, mi, s);
      if (Number.isNaN(dtstart)) return { error: 'DTSTART is not a valid date' };
    } else if (ruleText === undefined) {
      ruleText = line.replace(/^RRULE:/i, '');
    } else {
      return { error: 'give one RRULE (and optionally one DTSTART line)' };
    }
  }
  if (!ruleText) return { error: 'must contain an RRULE such as FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0' };
  const rule = parseRule(ruleText, dtstart);
  if ('error' in rule) return rule;
  if (after(rule, dtstart - 1) === null) return { error: 'the RRULE has no occurrences' };
  return { rule };
}

export interface Occurrence {
  readonly start: Date;
  readonly end: Date;
}

/** The occurrences of a window that contain `at`, as real instants. */
export function occurrencesAt(
  recurrence: Recurrence,
  durationMinutes: number,
  timeZone: string,
  at: Date,
): Occurrence[] {
  const span = durationMinutes * MINUTE;
  // A day of slack either side covers any UTC offset and DST shift between wall clock and instant.
  const from = floating(new Date(at.getTime() - span - DAY), timeZone);
  const to = floating(new Date(at.getTime() + DAY), timeZone);
  return between(recurrence.rule, from.getTime(), to.getTime())
    .map((start) => occurrence(new Date(start), span, timeZone))
    .filter((o) => o.start.getTime() <= at.getTime() && at.getTime() < o.end.getTime());
}

/** The first occurrence starting strictly after `at`, or null when the rule has ended. */
export function nextOccurrence(
  recurrence: Recurrence,
  durationMinutes: number,
  timeZone: string,
  at: Date,
): Occurrence | null {
  // Start a day early on the wall clock and walk forward: the earliest real start after `at` wins.
  let cursor = floating(new Date(at.getTime() - DAY), timeZone);
  for (let step = 0; step < 1000; step += 1) {
    const next = after(recurrence.rule, cursor.getTime());
    if (next === null) return null;
    const found = occurrence(new Date(next), durationMinutes * MINUTE, timeZone);
    if (found.start.getTime() > at.getTime()) return found;
    cursor = new Date(next);
  }
  return null;
}

function occurrence(floatingStart: Date, span: number, timeZone: string): Occurrence {
  const start = instantOf(floatingStart, timeZone);
  return { start, end: new Date(start.getTime() + span) };
}

/** The wall clock of an instant in a zone, as a date whose UTC fields are those wall-clock fields. */
export function floating(instant: Date, timeZone: string): Date {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return new Date(
    Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')),
  );
}

/**
 * The instant at which a zone's wall clock shows a floating date. A time skipped by a spring-forward
 * change lands after the gap (02:30 becomes 03:30); a repeated autumn time takes its first instance.
 */
export function instantOf(wallClock: Date, timeZone: string): Date {
  const local = wallClock.getTime();
  const offsetAt = (t: number) => floating(new Date(t), timeZone).getTime() - t;
  // The zone's offsets half a day either side; within a day a zone changes offset at most once.
  const before = local - offsetAt(local - DAY / 2);
  const after = local - offsetAt(local + DAY / 2);
  const shows = (t: number) => floating(new Date(t), timeZone).getTime() === local;
  const valid = [before, after].filter(shows).sort((a, b) => a - b)[0];
  // None valid: the time falls in a gap, and the earlier offset moves it forward past the gap.
  return new Date(valid ?? before);
}
