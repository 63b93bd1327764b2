import { describe, expect, it } from 'vitest';
import { deployWindowCheck, freezeCheck } from '../../../../domain/gates/window-checks.ts';
import { type Policy, PolicySchema } from '../../../../domain/policies/policy.ts';

const policy = (input: unknown): Policy => PolicySchema.parse(input);
const at = (iso: string) => new Date(iso);

// Friday 16:00 to Monday 08:00 Berlin time: no deploys over the weekend (Kargo-style deny window).
const weekendFreeze = {
  rrule: 'FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0',
  durationMinutes: 64 * 60,
  timeZone: 'Europe/Berlin',
  kind: 'deny',
  reason: 'weekend',
} as const;

// Weekdays 09:00-17:00 Berlin time, as an RRULE.
const officeHours = {
  rrule: 'RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0',
  durationMinutes: 8 * 60,
  timeZone: 'Europe/Berlin',
  kind: 'allow',
} as const;

describe('RFC 5545 recurring windows', () => {
  describe('given a weekend deny window in freezeWindows', () => {
    const frozen = policy({ freezeWindows: [weekendFreeze] });

    it('when a deploy is asked for on Saturday, then it fails naming the window and when it resumes', () => {
      const result = freezeCheck(frozen, at('2026-12-05T12:00:00Z'));
      expect(result).toMatchObject({
        name: 'freeze-windows',
        passed: false,
        observed: {
          activeWindow: weekendFreeze,
          // Monday 08:00 in Berlin (CET, UTC+1).
          resumesAt: '2026-12-07T07:00:00.000Z',
          occurrence: { start: '2026-12-04T15:00:00.000Z', end: '2026-12-07T07:00:00.000Z' },
        },
      });
      expect(result?.detail).toContain('weekend');
    });

    it('when a deploy is asked for on Thursday, then it passes', () => {
      expect(freezeCheck(frozen, at('2026-12-03T12:00:00Z'))?.passed).toBe(true);
    });

    it('when the clocks change inside the window, then it starts on the wall clock and lasts its elapsed minutes', () => {
      // Starts Friday 2026-10-23 16:00 CEST; the clocks go back on Sunday 25 October.
      const result = freezeCheck(
        policy({ freezeWindows: [{ ...weekendFreeze, durationMinutes: 64 * 60 }] }),
        at('2026-10-24T12:00:00Z'),
      );
      expect(result?.observed).toMatchObject({ occurrence: { start: '2026-10-23T14:00:00.000Z' } });
      // durationMinutes is elapsed time (as RFC 5545's exact durations), so 64 h end at 07:00 CET.
      expect(result?.observed).toMatchObject({ resumesAt: '2026-10-26T06:00:00.000Z' });
    });
  });

  describe('given allow windows as an RRULE in deployWindows', () => {
    const office = policy({ deployWindows: [officeHours] });

    it('starts each occurrence at 09:00 local on both sides of the spring change', () => {
      // 09:00 CET = 08:00Z on Friday 27 March; 09:00 CEST = 07:00Z on Monday 30 March.
      expect(deployWindowCheck(office, at('2026-03-27T08:30:00Z'))?.passed).toBe(true);
      expect(deployWindowCheck(office, at('2026-03-27T07:30:00Z'))?.passed).toBe(false);
      expect(deployWindowCheck(office, at('2026-03-30T07:30:00Z'))?.passed).toBe(true);
      expect(deployWindowCheck(office, at('2026-03-30T06:30:00Z'))?.passed).toBe(false);
    });

    it('when outside every allow window, then resumesAt is the next opening', () => {
      const result = deployWindowCheck(office, at('2026-12-05T12:00:00Z'));
      expect(result).toMatchObject({
        passed: false,
        observed: { deniedBy: null, resumesAt: '2026-12-07T08:00:00.000Z' },
      });
    });

    it('when a deny window overlaps an allow window, then deny wins and resumesAt is after it', () => {
      const lunch = {
        rrule: 'FREQ=DAILY;BYHOUR=12;BYMINUTE=0;BYSECOND=0',
        durationMinutes: 60,
        timeZone: 'Europe/Berlin',
        kind: 'deny',
        reason: 'lunch',
      };
      const result = deployWindowCheck(
        policy({ deployWindows: [officeHours, lunch] }),
        at('2026-12-03T11:30:00Z'),
      );
      expect(result).toMatchObject({
        passed: false,
        observed: { deniedBy: lunch, resumesAt: '2026-12-03T12:00:00.000Z' },
      });
    });

    it('mixes with the original clock form, each judged in its own time zone', () => {
      const mixed = policy({
        deployWindows: [
          { days: ['sat'], from: '10:00', to: '12:00', timeZone: 'America/New_York' },
          officeHours,
        ],
      });
      // Saturday 10:30 in New York.
      expect(deployWindowCheck(mixed, at('2026-12-05T15:30:00Z'))?.passed).toBe(true);
      // Saturday 09:00 in New York: next is 10:00 New York (15:00Z), before Monday in Berlin.
      expect(deployWindowCheck(mixed, at('2026-12-05T14:00:00Z'))?.observed).toMatchObject({
        resumesAt: '2026-12-05T15:00:00.000Z',
      });
    });
  });

  describe('the original forms keep their answers', () => {
    it('a plain freeze still reports the window it is in, and now says when it ends', () => {
      const freeze = { start: '2026-12-22T00:00:00Z', end: '2027-01-04T00:00:00Z', reason: 'holidays' };
      expect(freezeCheck(policy({ freezeWindows: [freeze] }), at('2026-12-24T12:00:00Z'))).toEqual({
        name: 'freeze-windows',
        passed: false,
        detail: 'frozen from 2026-12-22T00:00:00Z to 2027-01-04T00:00:00Z: holidays',
        observed: {
          now: '2026-12-24T12:00:00.000Z',
          activeWindow: freeze,
          resumesAt: '2027-01-04T00:00:00.000Z',
        },
      });
    });

    it('a clock window outside its hours says when it next opens', () => {
      const result = deployWindowCheck(
        policy({ deployWindows: [{ days: ['mon'], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' }] }),
        at('2026-12-03T12:00:00Z'),
      );
      expect(result?.observed).toMatchObject({ resumesAt: '2026-12-07T08:00:00.000Z' });
    });
  });

  describe('the policy schema', () => {
    const issues = (input: unknown) =>
      PolicySchema.safeParse(input).error?.issues.map((i) => ({ path: i.path, message: i.message }));

    it('refuses an unparsable rule at its field', () => {
      expect(issues({ deployWindows: [{ ...officeHours, rrule: 'FREQ=SOMETIMES' }] })).toEqual([
        { path: ['deployWindows', 0, 'rrule'], message: expect.stringContaining('FREQ must be') },
      ]);
    });

    it('refuses a DTSTART in UTC: the window’s timeZone places the rule', () => {
      expect(
        issues({ freezeWindows: [{ ...weekendFreeze, rrule: 'DTSTART:20261204T160000Z\nFREQ=WEEKLY' }] }),
      ).toEqual([{ path: ['freezeWindows', 0, 'rrule'], message: expect.stringContaining('without Z') }]);
    });

    it('refuses a missing kind and a too-fine frequency, each at its field', () => {
      const { kind: _kind, ...noKind } = officeHours;
      expect(issues({ deployWindows: [noKind] })?.[0]?.path).toEqual(['deployWindows', 0, 'kind']);
      expect(issues({ deployWindows: [{ ...officeHours, rrule: 'FREQ=MINUTELY' }] })?.[0]?.message).toContain(
        'FREQ must be',
      );
    });

    it('reports a mistake in a plain window against the plain form', () => {
      expect(issues({ freezeWindows: [{ start: '2026-12-22T00:00:00Z' }] })).toEqual([
        { path: ['freezeWindows', 0, 'end'], message: expect.any(String) },
      ]);
    });

    it('accepts a DTSTART on the local wall clock', () => {
      const daily = { ...officeHours, rrule: 'DTSTART:20261201T090000\nRRULE:FREQ=DAILY;INTERVAL=2' };
      const result = deployWindowCheck(policy({ deployWindows: [daily] }), at('2026-12-03T08:30:00Z'));
      expect(result?.passed).toBe(true);
      expect(deployWindowCheck(policy({ deployWindows: [daily] }), at('2026-12-04T08:30:00Z'))?.passed).toBe(
        false,
      );
    });
  });
});
