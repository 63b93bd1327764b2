import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { StorageUnavailableError } from '../../domain/ports/event-store.ts';
import { adapters } from '../adapters/clients.ts';
import type { TokenGrant } from '../adapters/dynamodb-token-store.ts';

type AuthorizerContext = { tenant?: string; role?: string; reason?: string; unavailable?: string };

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
  let grant: TokenGrant | undefined;
  try {
    grant = await adapters().tokenStore.find(match[1]);
  } catch (error) {
    // A throwing authorizer is a bare 500 from API Gateway, which tells no client to retry: pass the
    // outage on so the route answers 503 with Retry-After, as it does for every other storage outage.
    if (error instanceof StorageUnavailableError)
      return { isAuthorized: true, context: { unavailable: error.message } };
    throw error;
  }
  if (!grant) return { isAuthorized: true, context: { reason: 'the bearer token is not valid' } };
  return { isAuthorized: true, context: { tenant: grant.tenant, role: grant.role } };
}
