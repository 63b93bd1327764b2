import { type Role, RoleSchema, roleAllows } from '../../domain/auth/roles.ts';
import type { UnverifiedCaller } from '../../domain/ports/event-store.ts';
import type { HttpEvent } from './http-api.ts';
import { HttpError } from './http-error.ts';

export interface Caller {
  readonly tenant: string;
  readonly role: Role;
  /** Present when the token was not read for this request: the write must prove it (see the store). */
  readonly unverified?: UnverifiedCaller;
}

/**
 * The token authorizer runs before every authenticated route (on AWS as a Lambda authorizer, locally
 * in the HTTP adapter) and passes the caller in the request context. It never denies by itself, so the
 * 401 body is ours on both runtimes; the route decides whether the role suffices.
 */
export function authorize(
  event: HttpEvent,
  needed: Role | readonly Role[],
  options: { readonly writeChecksCaller?: boolean } = {},
): Caller {
  const context = event.requestContext.authorizer?.lambda ?? {};
  if (typeof context.unavailable === 'string') {
    throw new HttpError(503, 'storage_unavailable', `${context.unavailable}; retry shortly`, [], {
      'retry-after': '1',
    });
  }
  const tenant = context.tenant;
  const role = RoleSchema.safeParse(context.role);
  if (typeof tenant !== 'string' || !role.success) {
    const reason = typeof context.reason === 'string' ? context.reason : 'a valid bearer token is required';
    throw new HttpError(401, 'unauthorized', reason, [], { 'www-authenticate': 'Bearer' });
  }
  const accepted = typeof needed === 'string' ? [needed] : needed;
  if (!accepted.some((one) => roleAllows(role.data, one))) {
    throw new HttpError(
      403,
      'forbidden',
      `this token's role '${role.data}' may not do this (needs ${accepted.join(' or ')})`,
    );
  }
  const unverified = context.unverifiedTokenHash;
  if (typeof unverified === 'string') {
    // Only routes in WRITE_CHECKED_ROUTES get these, and each must carry the check into its write.
    if (!options.writeChecksCaller) throw new Error(`${event.routeKey} got an unverified caller`);
    return { tenant, role: role.data, unverified: { tokenHash: unverified, role: role.data } };
  }
  // Read for this request, and still proved in the write: a revocation in between writes nothing.
  const checked = context.checkedTokenHash;
  if (typeof checked === 'string' && options.writeChecksCaller) {
    return {
      tenant,
      role: role.data,
      unverified: { tokenHash: checked, role: role.data, readForThisRequest: true },
    };
  }
  return { tenant, role: role.data };
}
