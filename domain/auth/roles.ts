import * as z from 'zod';

export const RoleSchema = z.enum(['writer', 'reader', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

/**
 * Names the state table uses as fixed key prefixes beside tenants (`token#<hash>`, `alarm#<name>`,
 * `checkpoint#<name>`): a tenant of that name would share their key space.
 */
export const RESERVED_TENANTS = ['token', 'alarm', 'checkpoint'] as const;

export const TenantSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'tenant: 1-63 lowercase letters, digits or hyphens')
  .refine((tenant) => !(RESERVED_TENANTS as readonly string[]).includes(tenant), {
    message: `tenant: ${RESERVED_TENANTS.join(', ')} are reserved by the storage layout`,
  });

/** Admin may do what writers and readers may; writers and readers only their own part. */
export function roleAllows(held: Role, needed: Role): boolean {
  return held === 'admin' || held === needed;
}
