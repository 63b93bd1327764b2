import * as z from 'zod';

const Size = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** `?seq=N&treeSize=M` (treeSize defaults to the latest checkpoint's size). */
export const InclusionQuerySchema = z.object({ seq: Size, treeSize: Size.optional() });
/** `?from=A&to=B` (to defaults to the latest checkpoint's size). */
export const ConsistencyQuerySchema = z.object({ from: Size, to: Size.optional() });
