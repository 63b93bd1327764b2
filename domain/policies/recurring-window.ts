import * as z from 'zod';
import { parseRecurrence } from '../gates/recurrence.ts';

/** An IANA time zone the runtime knows; checked by asking Intl to format in it. */
export const TimeZoneSchema = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Berlin' },
);

/**
 * A window that recurs by an RFC 5545 rule (as Kargo's promotion windows do): each occurrence starts on
 * the wall clock of `timeZone` and lasts `durationMinutes`. `deny` windows block deployments, `allow`
 * windows are the times deployments may happen; deny wins where both apply.
 */
export const RecurringWindowSchema = z.strictObject({
  rrule: z
    .string()
    .min(1)
    .max(2048)
    .superRefine((text, ctx) => {
      const parsed = parseRecurrence(text);
      if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
  // At most four weeks: longer windows are freezes with a start and an end.
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(28 * 24 * 60),
  timeZone: TimeZoneSchema,
  kind: z.enum(['allow', 'deny']),
  reason: z.string().max(1024).optional(),
});
export type RecurringWindow = z.infer<typeof RecurringWindowSchema>;

/**
 * A list entry that is either the list's original window form or a recurring window, told apart by
 * the `rrule` key so a mistake is reported against the form the client meant (a plain union would
 * answer "invalid input" for the whole entry).
 */
export function windowEntry<Plain extends z.ZodType>(plain: Plain) {
  const forms = [plain, RecurringWindowSchema].map((schema) => {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
    return rest;
  });
  return z
    .custom<z.output<Plain> | RecurringWindow>()
    .superRefine((value, ctx) => {
      const schema =
        typeof value === 'object' && value !== null && 'rrule' in value ? RecurringWindowSchema : plain;
      const result = schema.safeParse(value);
      if (result.success) return;
      for (const issue of result.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
      }
    })
    .meta({ anyOf: forms });
}

export function isRecurring(window: object): window is RecurringWindow {
  return 'rrule' in window;
}
