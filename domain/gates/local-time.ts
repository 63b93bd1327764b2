import type { Weekday } from '../policies/policy.ts';

const WEEKDAYS: Record<string, Weekday> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

export interface LocalTime {
  readonly weekday: Weekday;
  /** Minutes since local midnight. */
  readonly minutes: number;
  /** For explanations: e.g. `Mon 09:30 Europe/Berlin`. */
  readonly text: string;
}

/**
 * The wall-clock time an instant has in a time zone. Converting the instant (rather than adding a
 * fixed offset) is what keeps windows right across daylight-saving changes.
 */
export function localTime(instant: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = WEEKDAYS[part('weekday')];
  if (!weekday) throw new Error(`unexpected weekday from Intl: ${part('weekday')}`);
  const hour = Number(part('hour'));
  const minute = Number(part('minute'));
  return {
    weekday,
    minutes: hour * 60 + minute,
    text: `${part('weekday')} ${part('hour')}:${part('minute')} ${timeZone}`,
  };
}

export function clockMinutes(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}
