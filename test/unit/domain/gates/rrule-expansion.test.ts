import * as rruleModule from 'rrule';
import { describe, expect, it } from 'vitest';
import { after, between, parseRule } from '../../../../domain/gates/rrule.ts';

// The `rrule` package is the oracle: the ledger's own expansion (kept small for the Lambda bundles)
// must give the same occurrences for every rule form it accepts.
const { RRule } = (
  'RRule' in rruleModule ? rruleModule : (rruleModule as { default: typeof rruleModule }).default
) as typeof rruleModule;

const starts = [Date.UTC(2000, 0, 1), Date.UTC(2026, 0, 31, 9, 30), Date.UTC(2024, 1, 29, 23, 15, 5)];
const rules = [
  'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0',
  'FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0',
  'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU',
  'FREQ=WEEKLY;INTERVAL=3',
  'FREQ=DAILY;BYHOUR=12,18;BYMINUTE=0,30',
  'FREQ=DAILY;INTERVAL=3;BYMONTH=12,1',
  'FREQ=DAILY;BYDAY=SA,SU;BYMONTHDAY=1,2,3,4,5,6,7',
  'FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0;BYSECOND=0',
  'FREQ=MONTHLY;BYDAY=1MO,3MO',
  'FREQ=MONTHLY;BYMONTHDAY=-1',
  'FREQ=MONTHLY;BYMONTHDAY=31',
  'FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,15;COUNT=20',
  'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYMONTHDAY=-1,-2,-3',
  'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24,25,26,31',
  'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH',
  'FREQ=YEARLY;BYDAY=20MO',
  'FREQ=YEARLY;BYDAY=-1SU',
  'FREQ=YEARLY',
  'FREQ=YEARLY;BYMONTH=3,9',
  'FREQ=HOURLY;INTERVAL=6;BYMINUTE=15',
  'FREQ=HOURLY;BYHOUR=2,3;BYDAY=SU',
  'FREQ=DAILY;UNTIL=20261224T000000Z',
  'FREQ=WEEKLY;BYDAY=MO;COUNT=5',
];

describe('RRULE expansion agrees with the rrule package', () => {
  for (const text of rules) {
    for (const dtstart of starts) {
      it(`${text} from ${new Date(dtstart).toISOString()}`, () => {
        const ours = parseRule(text, dtstart);
        if ('error' in ours) throw new Error(ours.error);
        const oracle = new RRule({ ...RRule.parseString(text), dtstart: new Date(dtstart) });
        for (const [from, to] of [
          [dtstart, dtstart + 40 * 86_400_000],
          [Date.UTC(2026, 10, 20), Date.UTC(2027, 1, 10)],
        ] as const) {
          expect(between(ours, from, to).map((t) => new Date(t).toISOString())).toEqual(
            oracle.between(new Date(from), new Date(to), true).map((d) => d.toISOString()),
          );
        }
        const at = Date.UTC(2026, 11, 3, 11, 0);
        expect(after(ours, at)).toEqual(oracle.after(new Date(at), false)?.getTime() ?? null);
      });
    }
  }
});

describe('RRULE parts the ledger refuses, by name', () => {
  const error = (text: string) => {
    const parsed = parseRule(text, Date.UTC(2026, 0, 1));
    return 'error' in parsed ? parsed.error : undefined;
  };
  it.each([
    ['FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO', 'BYSETPOS is not supported'],
    ['FREQ=YEARLY;BYWEEKNO=20', 'BYWEEKNO is not supported'],
    ['FREQ=WEEKLY;BYDAY=1MO', 'BYDAY ordinals'],
    ['FREQ=WEEKLY;BYDAY=XX', 'BYDAY "XX"'],
    ['FREQ=DAILY;BYHOUR=24', 'BYHOUR must list'],
    ['FREQ=DAILY;COUNT=3;UNTIL=20270101', 'COUNT or UNTIL'],
    ['FREQ=DAILY;COLOR=RED', 'unknown RRULE property COLOR'],
    ['BYDAY=MO', 'needs a FREQ'],
  ])('%s → %s', (text, message) => {
    expect(error(text)).toContain(message);
  });
});
