import * as z from 'zod';

/**
 * Field shapes every event type shares. Kept apart from `native-events.ts` so the area files it
 * gathers (lifecycle, health, rollout, audit) can use them without an import cycle.
 */
export const id = z.string().trim().min(1).max(256);
export const name = z.string().trim().min(1).max(256);
export const isoTime = z.iso.datetime({ offset: true });
