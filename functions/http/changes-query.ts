import * as z from 'zod';

const time = z.iso.datetime({ offset: true }).transform((t) => new Date(t).toISOString());

/** GET /v1/audit/changes: a window (required, `from` < `to`), the environment, and paging or a sample. */
export const ChangesQuerySchema = z
  .object({
    from: time,
    to: time,
    environment: z.string().trim().min(1).max(256).default('production'),
    format: z.enum(['json', 'csv']).default('json'),
    limit: z.coerce.number().int().min(1).max(200).default(100),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .max(64)
      .optional(),
    sample: z.coerce.number().int().min(1).max(100).optional(),
    seed: z.string().min(1).max(256).optional(),
  })
  .refine((q) => q.from < q.to, { path: ['to'], message: 'to must be after from' })
  .refine((q) => q.sample === undefined || q.seed !== undefined, {
    path: ['seed'],
    message: 'a sample needs a seed, so the auditor can draw it again',
  })
  .refine((q) => q.sample === undefined || q.cursor === undefined, {
    path: ['cursor'],
    message: 'a sample is drawn from the whole population in one answer and has no pages',
  });
export type ChangesQuery = z.infer<typeof ChangesQuerySchema>;
