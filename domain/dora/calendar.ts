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
  // One parse, then whole days in milliseconds: a year's window is listed on every metrics query.
  const lastMs = Date.parse(`${last}T00:00:00Z`);
  for (let ms = Date.parse(`${first}T00:00:00Z`); ms <= lastMs; ms += DAY_MS) {
    out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
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
