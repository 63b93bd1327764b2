/**
 * RFC 5545 recurrence rules, expanded in "floating" time: every date here is milliseconds whose UTC
 * fields are wall-clock fields, and the caller places them in a time zone afterwards.
 *
 * Why not the `rrule` package: it adds 45 KB to every function that reads a policy, which would take the
 * gate and the ingest functions over their 400 KB bundle ceiling. This supports the parts of RFC 5545
 * a deploy window needs (FREQ YEARLY…HOURLY, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY with
 * ordinals, BYHOUR, BYMINUTE, BYSECOND, WKST) and refuses the rest by name; the tests check it against
 * the `rrule` package on the same rules.
 */

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const FREQUENCIES = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY'] as const;
type Frequency = (typeof FREQUENCIES)[number];
/** How far (in days) an expansion walks without finding an occurrence before it says there is none. */
const MAX_EMPTY_DAYS = 400 * 366;

interface ByDay {
  readonly weekday: number;
  readonly ordinal: number | null;
}

export interface RecurrenceRule {
  readonly freq: Frequency;
  readonly interval: number;
  readonly count: number | null;
  readonly until: number | null;
  readonly byMonth: readonly number[] | null;
  readonly byMonthDay: readonly number[] | null;
  readonly byDay: readonly ByDay[] | null;
  readonly byHour: readonly number[] | null;
  readonly byMinute: readonly number[] | null;
  readonly bySecond: readonly number[] | null;
  readonly weekStart: number;
  readonly dtstart: number;
}

const UNSUPPORTED = new Set(['BYSETPOS', 'BYYEARDAY', 'BYWEEKNO', 'RSCALE', 'SKIP']);

/** Parses an RRULE value (`FREQ=…;…`) with a floating start, or says what is wrong with it. */
export function parseRule(text: string, dtstart: number): RecurrenceRule | { error: string } {
  const fields = new Map<string, string>();
  for (const part of text.split(';').filter(Boolean)) {
    const [key, value, ...rest] = part.split('=');
    if (!key || value === undefined || rest.length > 0) return { error: `"${part}" is not NAME=VALUE` };
    const name = key.toUpperCase();
    if (UNSUPPORTED.has(name)) return { error: `${name} is not supported in deploy windows` };
    if (fields.has(name)) return { error: `${name} is given twice` };
    fields.set(name, value.toUpperCase());
  }
  const freq = fields.get('FREQ');
  if (freq === undefined) return { error: 'the RRULE needs a FREQ' };
  if (!(FREQUENCIES as readonly string[]).includes(freq))
    return { error: 'FREQ must be YEARLY, MONTHLY, WEEKLY, DAILY or HOURLY' };
  const known = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYMONTH', 'BYMONTHDAY', 'BYDAY']);
  for (const name of ['BYHOUR', 'BYMINUTE', 'BYSECOND', 'WKST']) known.add(name);
  for (const name of fields.keys()) if (!known.has(name)) return { error: `unknown RRULE property ${name}` };

  const errors: string[] = [];
  const numbers = (name: string, min: number, max: number, nonZero = false): number[] | null => {
    const value = fields.get(name);
    if (value === undefined) return null;
    const list = value.split(',').map(Number);
    if (list.some((n) => !Number.isInteger(n) || n < min || n > max || (nonZero && n === 0)))
      errors.push(`${name} must list integers from ${min} to ${max}${nonZero ? ' (not 0)' : ''}`);
    return list;
  };
  const [interval] = numbers('INTERVAL', 1, 1000) ?? [1];
  const [count] = numbers('COUNT', 1, 100_000) ?? [null];
  const byMonth = numbers('BYMONTH', 1, 12);
  const byMonthDay = numbers('BYMONTHDAY', -31, 31, true);
  const byHour = numbers('BYHOUR', 0, 23);
  const byMinute = numbers('BYMINUTE', 0, 59);
  const bySecond = numbers('BYSECOND', 0, 59);
  let byDay: ByDay[] | null = null;
  const dayText = fields.get('BYDAY');
  if (dayText !== undefined) {
    byDay = [];
    for (const item of dayText.split(',')) {
      const match = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(item);
      const ordinal = match?.[1] === undefined ? null : Number(match[1]);
      if (!match || ordinal === 0 || (ordinal !== null && Math.abs(ordinal) > 53)) {
        errors.push(`BYDAY "${item}" is not a weekday such as MO, 1MO or -1FR`);
        continue;
      }
      if (ordinal !== null && freq !== 'MONTHLY' && freq !== 'YEARLY')
        errors.push('BYDAY ordinals (1MO, -1FR) need FREQ=MONTHLY or YEARLY');
      byDay.push({ weekday: WEEKDAYS.indexOf(match[2] as (typeof WEEKDAYS)[number]), ordinal });
    }
  }
  const weekStartText = fields.get('WKST') ?? 'MO';
  const weekStart = WEEKDAYS.indexOf(weekStartText as (typeof WEEKDAYS)[number]);
  if (weekStart < 0) errors.push('WKST must be a weekday such as MO');
  let until: number | null = null;
  const untilText = fields.get('UNTIL');
  if (untilText !== undefined) {
    const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(untilText);
    if (!match) errors.push('UNTIL must be YYYYMMDD or YYYYMMDDTHHMMSS');
    else {
      const [y, mo, d, h, mi, s] = match.slice(1).map((n) => Number(n ?? 0)) as number[];
      until = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 23, mi ?? 59, s ?? 59);
      // A date-only UNTIL includes that whole day.
      if (match[4] === undefined) until = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, 23, 59, 59);
    }
  }
  if (count !== null && until !== null) errors.push('give COUNT or UNTIL, not both');
  if (errors.length > 0) return { error: errors[0] ?? 'invalid RRULE' };
  return {
    freq: freq as Frequency,
    interval: interval ?? 1,
    count: count ?? null,
    until,
    byMonth,
    byMonthDay,
    byDay,
    byHour,
    byMinute,
    bySecond,
    weekStart,
    dtstart,
  };
}

const daysInMonth = (year: number, month0: number) => new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();

/** Does a day (floating midnight) pass the BYMONTH, BYMONTHDAY and BYDAY parts of the rule? */
function dayMatches(rule: RecurrenceRule, day: number, defaults: boolean): boolean {
  const date = new Date(day);
  const year = date.getUTCFullYear();
  const month0 = date.getUTCMonth();
  const monthDay = date.getUTCDate();
  const start = new Date(rule.dtstart);
  const monthLength = daysInMonth(year, month0);
  if (rule.byMonth) {
    if (!rule.byMonth.includes(month0 + 1)) return false;
  } else if (defaults && rule.freq === 'YEARLY' && !rule.byMonthDay && !rule.byDay) {
    if (month0 !== start.getUTCMonth()) return false;
  }
  if (rule.byMonthDay) {
    const matches = rule.byMonthDay.some((n) => (n > 0 ? n === monthDay : monthLength + n + 1 === monthDay));
    if (!matches) return false;
  }
  if (rule.byDay) {
    const weekday = date.getUTCDay();
    const matches = rule.byDay.some((by) => {
      if (by.weekday !== weekday) return false;
      if (by.ordinal === null) return true;
      // Ordinals count within the month, or within the year for YEARLY without BYMONTH.
      const inYear = rule.freq === 'YEARLY' && !rule.byMonth;
      const index = inYear ? Math.floor((day - Date.UTC(year, 0, 1)) / DAY) : monthDay - 1;
      const length = inYear ? (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / DAY : monthLength;
      return by.ordinal > 0
        ? Math.floor(index / 7) + 1 === by.ordinal
        : Math.floor((length - 1 - index) / 7) + 1 === -by.ordinal;
    });
    if (!matches) return false;
  }
  if (defaults && !rule.byMonthDay && !rule.byDay) {
    if ((rule.freq === 'MONTHLY' || rule.freq === 'YEARLY') && monthDay !== start.getUTCDate()) return false;
    if (rule.freq === 'WEEKLY' && date.getUTCDay() !== start.getUTCDay()) return false;
  }
  return true;
}

/** The floating start of period `k` and the days (floating midnights) it spans. */
function period(rule: RecurrenceRule, k: number): { start: number; days: number[] } {
  const start = new Date(rule.dtstart);
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  const midnight = Date.UTC(y, m, start.getUTCDate());
  const span = (from: number, to: number) => {
    const days: number[] = [];
    for (let d = from; d < to; d += DAY) days.push(d);
    return days;
  };
  const step = k * rule.interval;
  switch (rule.freq) {
    case 'YEARLY':
      return {
        start: Date.UTC(y + step, 0, 1),
        days: span(Date.UTC(y + step, 0, 1), Date.UTC(y + step + 1, 0, 1)),
      };
    case 'MONTHLY':
      return {
        start: Date.UTC(y, m + step, 1),
        days: span(Date.UTC(y, m + step, 1), Date.UTC(y, m + step + 1, 1)),
      };
    case 'WEEKLY': {
      const weekStart = midnight - ((start.getUTCDay() - rule.weekStart + 7) % 7) * DAY + step * 7 * DAY;
      return { start: weekStart, days: span(weekStart, weekStart + 7 * DAY) };
    }
    case 'DAILY':
      return { start: midnight + step * DAY, days: [midnight + step * DAY] };
    case 'HOURLY': {
      const hour = Math.floor(rule.dtstart / HOUR) * HOUR + step * HOUR;
      return { start: hour, days: [Math.floor(hour / DAY) * DAY] };
    }
  }
}

/** The occurrences of period `k`, ascending, with the period's start and length in days. */
function occurrencesIn(rule: RecurrenceRule, k: number): { times: number[]; start: number; days: number } {
  const { start, days } = period(rule, k);
  const first = new Date(rule.dtstart);
  const seconds = rule.bySecond ?? [first.getUTCSeconds()];
  const minutes = rule.byMinute ?? [first.getUTCMinutes()];
  const hourOfPeriod = new Date(start).getUTCHours();
  const hours =
    rule.freq === 'HOURLY'
      ? rule.byHour && !rule.byHour.includes(hourOfPeriod)
        ? []
        : [hourOfPeriod]
      : (rule.byHour ?? [first.getUTCHours()]);
  const times: number[] = [];
  for (const day of days) {
    if (!dayMatches(rule, day, true)) continue;
    for (const h of hours)
      for (const mi of minutes)
        for (const s of seconds) times.push(day + h * HOUR + mi * 60 * SECOND + s * SECOND);
  }
  const length = rule.freq === 'HOURLY' ? 1 / 24 : days.length;
  return { times: [...new Set(times)].sort((a, b) => a - b), start, days: length };
}

/** Periods between the rule's start and an instant: a lower bound, so expansion may begin there. */
function periodsBefore(rule: RecurrenceRule, at: number): number {
  if (at <= rule.dtstart) return 0;
  const from = new Date(rule.dtstart);
  const to = new Date(at);
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  const units: Record<Frequency, number> = {
    YEARLY: to.getUTCFullYear() - from.getUTCFullYear(),
    MONTHLY: months,
    WEEKLY: Math.floor((at - rule.dtstart) / (7 * DAY)),
    DAILY: Math.floor((at - rule.dtstart) / DAY),
    HOURLY: Math.floor((at - rule.dtstart) / HOUR),
  };
  return Math.max(0, Math.floor(units[rule.freq] / rule.interval) - 1);
}

/**
 * Walks occurrences in ascending order from the first at or after `from`, calling `visit` until it
 * returns false. COUNT needs every occurrence from the start, so only rules without it skip ahead.
 */
function walk(rule: RecurrenceRule, from: number, visit: (occurrence: number) => boolean): void {
  let k = rule.count === null ? periodsBefore(rule, from) : 0;
  let seen = 0;
  let emptyDays = 0;
  for (;;) {
    const current = occurrencesIn(rule, k);
    if (rule.until !== null && current.start > rule.until) return;
    const occurrences = current.times.filter((t) => t >= rule.dtstart);
    emptyDays = occurrences.length === 0 ? emptyDays + current.days : 0;
    if (emptyDays > MAX_EMPTY_DAYS) return;
    for (const t of occurrences) {
      if (rule.until !== null && t > rule.until) return;
      seen += 1;
      if (rule.count !== null && seen > rule.count) return;
      if (t >= from && !visit(t)) return;
    }
    k += 1;
  }
}

/** Occurrences in `[from, to]`. */
export function between(rule: RecurrenceRule, from: number, to: number): number[] {
  const found: number[] = [];
  walk(rule, from, (t) => {
    if (t > to) return false;
    found.push(t);
    return true;
  });
  return found;
}

/** The first occurrence strictly after `at`, or null. */
export function after(rule: RecurrenceRule, at: number): number | null {
  let found: number | null = null;
  walk(rule, at + 1, (t) => {
    found = t;
    return false;
  });
  return found;
}
