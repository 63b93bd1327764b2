import * as z from 'zod';

/** Only http(s) links: the dashboard and the CLI print them for someone to open. */
const link = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048);

/** One item of the release checklist; `distinctFromAuthor` asks for a completer who wrote none of its commits. */
export const ChecklistItemSchema = z.strictObject({
  item: z.string().trim().min(1).max(256),
  distinctFromAuthor: z.boolean().optional(),
});
export type ChecklistItem = z.infer<typeof ChecklistItemSchema>;

// Items are matched by name (`checklist.item.completed` names one): a name given twice is a mistake.
const ChecklistSchema = z
  .array(ChecklistItemSchema)
  .max(50)
  .superRefine((items, ctx) => {
    const seen = new Set<string>();
    items.forEach(({ item }, index) => {
      if (seen.has(item))
        ctx.addIssue({ code: 'custom', message: 'items must be unique', path: [index, 'item'] });
      seen.add(item);
    });
  });

/**
 * What the on-call engineer is briefed with before a deployment (GET /v1/deployments/{id}/handoff), and
 * whether the gate waits for them to acknowledge it (`oncall.handoff.acknowledged`).
 */
export const OnCallSchema = z.strictObject({
  requireHandoff: z.boolean().optional(),
  runbooks: z.array(link).max(20).optional(),
  dashboards: z.array(link).max(20).optional(),
  escalation: z.string().trim().min(1).max(4096).optional(),
  rollbackProcedure: z.string().trim().min(1).max(16_384).optional(),
});
export type OnCall = z.infer<typeof OnCallSchema>;

/** Policy fields for release readiness: checklists, on-call handoff, gate mode. */
export const rolloutPolicyShape = {
  checklist: ChecklistSchema.optional(),
  onCall: OnCallSchema.optional(),
} as const;
