import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';
import { adapters } from '../adapters/clients.ts';
import { hashToken, type TokenGrant } from '../adapters/dynamodb-token-store.ts';
import { WRITE_CHECKED_ROUTES } from './write-checked-routes.ts';

type AuthorizerContext = {
  tenant?: string;
  role?: string;
  reason?: string;
  unavailable?: string;
  /** Set when the grant was not read for this request: the route's write must prove the token. */
  unverifiedTokenHash?: string;
  /**
   * Set on write-checked routes when the grant was read for this request: the write proves the token
   * all the same, since it may be revoked between this read and the write.
   */
  checkedTokenHash?: string;
};

/**
 * Grants this container has read, by token hash. Only routes that re-check the token in their write's
 * own transaction (WRITE_CHECKED_ROUTES) are answered from here, so a revoked token is still refused on
 * its very next request; entries expire so a revoked token does not cost those routes a failed
 * transaction for long.
 */
const remembered = new Map<string, { readonly grant: TokenGrant; readonly at: number }>();
const REMEMBER_MS = 5 * 60_000;
const REMEMBER_MAX = 1_000;

/**
 * API Gateway v2 simple-response authorizer over token hashes in the state table. It always
 * authorizes and passes either the caller or the reason in the context: the route then answers 401
 * with the API's own error body, identical on AWS and locally (API Gateway's own denial has no code).
 */
export async function handler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>> {
  const authorization = Object.entries(event.headers ?? {}).find(
    ([key]) => key.toLowerCase() === 'authorization',
  )?.[1];
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1])
    return {
      isAuthorized: true,
      context: { reason: 'a bearer token is required (Authorization: Bearer <token>)' },
    };
  const tokenHash = hashToken(match[1]);
  if (WRITE_CHECKED_ROUTES.has(event.routeKey)) {
    const known = remembered.get(tokenHash);
    if (known && Date.now() - known.at < REMEMBER_MS) {
      const { tenant, role } = known.grant;
      return { isAuthorized: true, context: { tenant, role, unverifiedTokenHash: tokenHash } };
    }
  }
  let grant: TokenGrant | undefined;
  try {
    grant = await adapters().tokenStore.findByHash(tokenHash);
  } catch (error) {
    // A throwing authorizer is a bare 500 from API Gateway, which tells no client to retry: pass the
    // outage on so the route answers 503 with Retry-After, as it does for every other storage outage.
    if (error instanceof StorageUnavailableError)
      return { isAuthorized: true, context: { unavailable: error.message } };
    throw error;
  }
  if (!grant) {
    remembered.delete(tokenHash);
    return { isAuthorized: true, context: { reason: 'the bearer token is not valid' } };
  }
  if (remembered.size >= REMEMBER_MAX) remembered.delete(remembered.keys().next().value as string);
  remembered.set(tokenHash, { grant, at: Date.now() });
  const context = { tenant: grant.tenant, role: grant.role };
  return {
    isAuthorized: true,
    context: WRITE_CHECKED_ROUTES.has(event.routeKey) ? { ...context, checkedTokenHash: tokenHash } : context,
  };
}
