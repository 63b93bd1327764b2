import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { adapters } from '../adapters/clients.ts';

type AuthorizerContext = { tenant?: string; role?: string; reason?: string };

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
  const grant = await adapters().tokenStore.find(match[1]);
  if (!grant) return { isAuthorized: true, context: { reason: 'the bearer token is not valid' } };
  return { isAuthorized: true, context: { tenant: grant.tenant, role: grant.role } };
}
