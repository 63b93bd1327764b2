/** Rollups are per UTC day; these helpers are the only place days and buckets are computed. */

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of an instant in UTC. */
export function dayOf(instant: string | number): string {
  return new Date(typeof instant === 'number' ? instant : Date.parse(instant)).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `first` to `last`, both included. */
export function daysBetween(first: string, last: string): string[] {
  const out: string[] = [];
  const start = Date.parse(`${first}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(Date.parse(`${last}T00:00:00Z`))) return out;
  // Stepped as calendar fields and formatted from a table, not through a Date per day: a one-year
  // monthly query lists its window's days a few times over, and a Date and toISOString per day were
  // its largest single CPU cost (~2 ms of a one-service query).
  const from = new Date(start);
  let year = from.getUTCFullYear();
  let month = from.getUTCMonth() + 1;
  let day = from.getUTCDate();
  let yearText = yearOf(year);
  for (;;) {
    const text = `${yearText}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}`;
    if (text > last) return out;
    out.push(text);
    day += 1;
    if (day > daysInMonth(year, month)) {
      day = 1;
      month += 1;
      if (month > 12) {
        month = 1;
        year += 1;
        yearText = yearOf(year);
      }
    }
  }
}

const TWO_DIGITS = Array.from({ length: 32 }, (_, n) => String(n).padStart(2, '0'));

const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function yearOf(year: number): string {
  return String(year).padStart(4, '0');
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (MONTH_DAYS[month] as number);
}

export type Bucket = 'day' | 'week' | 'month';

/** The bucket a day falls in: the day itself, the Monday of its ISO week, or the first of its month. */
export function bucketOf(day: string, bucket: Bucket): string {
  if (bucket === 'day') return day;
  if (bucket === 'month') return `${day.slice(0, 7)}-01`;
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

export function secondsBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 1000);
}
