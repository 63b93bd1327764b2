import * as z from 'zod';
import { doraWindow } from '../../domain/dora/dora-metrics.ts';
import type { DoraScope } from '../../domain/dora/rollups.ts';

const name = z.string().trim().min(1).max(256);
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);
const DAY_MS = 86_400_000;
/** A window is read one item per day, so its length bounds the cost of a query. */
export const MAX_WINDOW_DAYS = 732;

/** The filters and window shared by the metrics and evidence routes. */
export const DoraQuerySchema = z
  .object({
    service: name.optional(),
    team: name.optional(),
    environment: name.optional(),
    from: instant.optional(),
    to: instant.optional(),
    bucket: z.enum(['day', 'week', 'month']).default('day'),
    asOf: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((q, ctx) => {
    const from = q.from ? Date.parse(q.from) : undefined;
    // The window is checked as it will be read: an omitted `to` ends it at `asOf`, else now, so
    // `from=0001-01-01` alone is refused rather than read day by day for two thousand years.
    const to = Date.parse(q.to ?? q.asOf ?? new Date().toISOString());
    if (from !== undefined && from >= to) {
      ctx.addIssue(
        q.to
          ? { code: 'custom', path: ['to'], message: 'to must be after from' }
          : { code: 'custom', path: ['from'], message: 'from must be before to, which defaults to now' },
      );
    }
    if (from !== undefined && to - from > MAX_WINDOW_DAYS * DAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `the window may span at most ${MAX_WINDOW_DAYS} days`,
      });
    }
  });
export type DoraQuery = z.infer<typeof DoraQuerySchema>;

/** The scope and the whole-day window of a query; the window defaults to the 30 days up to `now`. */
export function scopeAndWindow(query: DoraQuery, now: Date) {
  const scope: DoraScope = {
    ...(query.service ? { service: query.service } : {}),
    ...(query.environment ? { environment: query.environment } : {}),
    ...(query.team ? { team: query.team } : {}),
  };
  const end = query.to ?? query.asOf ?? now.toISOString();
  const start = query.from ?? new Date(Date.parse(end) - 30 * DAY_MS).toISOString();
  return { scope, window: doraWindow(start, end) };
}
