import * as z from 'zod';

export const RoleSchema = z.enum(['writer', 'reader', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

export const TenantSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tenant: 1-63 lowercase letters, digits or hyphens');

/** Admin may do what writers and readers may; writers and readers only their own part. */
export function roleAllows(held: Role, needed: Role): boolean {
  return held === 'admin' || held === needed;
}
