import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RouteSpec } from '../topology.ts';
import { lambdaContext } from './lambda-context.ts';
import { routeThrottles } from './route-throttle.ts';

export type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

export interface HttpAdapterOptions {
  readonly routes: readonly RouteSpec[];
  readonly handlerFor: (route: RouteSpec) => Promise<LambdaHandler>;
  readonly authorizer: () => Promise<LambdaHandler>;
  readonly log?: (line: string) => void;
  /** Whether routes with their own throttle are held to it (429 with Retry-After). @default true */
  readonly throttle?: boolean;
  /** The throttle's clock in milliseconds (tests freeze it). @default performance.now */
  readonly throttleClock?: () => number;
  /** How long API Gateway waits for the integration (HTTP APIs: at most 30 s). @default 30_000 */
  readonly integrationTimeoutMs?: number;
}

/** API Gateway rejects payloads over 10 MB and Lambda over 6 MB; the handler enforces the API's 256 KB. */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
/**
 * Lambda's cap on a synchronous invocation's response, measured on what the runtime posts back: the
 * proxy result serialised as JSON (a base64 body counts as its base64 text). The figure is the one
 * Lambda's `Function.ResponseSizeTooLarge` error names.
 */
export const MAX_LAMBDA_RESPONSE_BYTES = 6_291_556;
/** HTTP APIs' maximum (and default) integration timeout. */
const INTEGRATION_TIMEOUT_MS = 30_000;

interface CompiledRoute {
  readonly route: RouteSpec;
  readonly pattern: RegExp;
  readonly names: string[];
}

/**
 * Serves HTTP the way API Gateway v2 does for Lambda proxy integrations: each request becomes an
 * `APIGatewayProxyEventV2` (payload format 2.0), the token authorizer runs first on authorized routes
 * and its context is passed on, and the handler's structured result becomes the response.
 */
export function createHttpAdapter(options: HttpAdapterOptions): Server {
  const compiled = options.routes.map(compileRoute);
  const throttles = options.throttle === false ? undefined : routeThrottles(options.throttleClock);
  const server = createServer((request, response) => {
    handle(request, response, compiled, { ...options, throttles }).catch((error: unknown) => {
      options.log?.(`local HTTP adapter failed: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) sendJson(response, 500, errorBody('internal_error', 'internal error'));
      else response.end();
    });
  });
  // Node closes idle keep-alive sockets after 5 s; a client that reuses one just then (a CI job posting
  // again after a pause, on a busy machine) gets ECONNRESET on a request that never arrived. API Gateway
  // keeps idle connections far longer, so the stand-in does too (clients close first: they honour the
  // Keep-Alive timeout it announces, less a margin).
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  routes: readonly CompiledRoute[],
  options: HttpAdapterOptions & { readonly throttles: ReturnType<typeof routeThrottles> | undefined },
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = (request.method ?? 'GET').toUpperCase();
  const body = await readBody(request);
  if (body === undefined) {
    sendJson(response, 413, errorBody('payload_too_large', 'request body over 6 MB'));
    return;
  }
  const match = findRoute(routes, method, url.pathname);
  if (!match) {
    sendJson(response, 404, errorBody('not_found', `no route for ${method} ${url.pathname}`));
    return;
  }
  const retryAfter = options.throttles?.take(match.route);
  if (retryAfter !== undefined) {
    sendJson(
      response,
      429,
      errorBody('too_many_requests', `${method} ${match.route.path} is over its rate limit`),
      {
        'retry-after': String(retryAfter),
      },
    );
    return;
  }
  const event = toApiGatewayEvent(request, url, method, body, match);
  if (match.route.authorized) {
    const authorizer = await options.authorizer();
    const decision = (await authorizer(
      {
        ...event,
        type: 'REQUEST',
        routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${event.routeKey}`,
        identitySource: [event.headers.authorization ?? ''],
      },
      lambdaContext('tokenAuthorizer'),
    )) as { isAuthorized: boolean; context?: Record<string, unknown> };
    if (!decision.isAuthorized) {
      sendJson(response, 403, { message: 'Forbidden' });
      return;
    }
    (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: decision.context ?? {} };
  }
  const handler = await options.handlerFor(match.route);
  const timeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const result = await withTimeout(
    handler(event, lambdaContext(match.route.function)) as Promise<APIGatewayProxyStructuredResultV2>,
    timeoutMs,
  );
  if (result === TIMED_OUT) {
    // An HTTP API answers an integration that outlives its timeout with a bare 503; the function
    // runs on, as a Lambda invocation does after API Gateway gave up on it.
    options.log?.(`${event.routeKey}: the integration timed out after ${timeoutMs} ms`);
    sendJson(response, 503, { message: 'Service Unavailable' });
    return;
  }
  const invokeResponseBytes = Buffer.byteLength(JSON.stringify(result) ?? '');
  if (invokeResponseBytes > MAX_LAMBDA_RESPONSE_BYTES) {
    // Lambda refuses to return the response (Function.ResponseSizeTooLarge) and an HTTP API turns a
    // failed invocation into a bare 500: the client never sees the body, so neither does it here.
    options.log?.(
      `${event.routeKey}: Function.ResponseSizeTooLarge: response payload size (${invokeResponseBytes} bytes) exceeded maximum allowed payload size (${MAX_LAMBDA_RESPONSE_BYTES} bytes)`,
    );
    sendJson(response, 500, { message: 'Internal Server Error' });
    return;
  }
  const payload = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  response.writeHead(result.statusCode ?? 200, {
    ...stringHeaders(result.headers),
    'content-length': payload.length,
  });
  response.end(payload);
}

const TIMED_OUT = Symbol('timed out');

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  // A handler that fails after the timeout has nobody left to answer; it must not go unhandled.
  work.catch(() => undefined);
  return Promise.race([work, timedOut]).finally(() => clearTimeout(timer));
}

function compileRoute(route: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      // `{name+}` is API Gateway's greedy parameter: the rest of the path, slashes included.
      const param = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return param[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}

function findRoute(routes: readonly CompiledRoute[], method: string, path: string) {
  for (const compiled of routes) {
    if (compiled.route.method !== method) continue;
    const found = compiled.pattern.exec(path);
    if (!found) continue;
    const params = Object.fromEntries(compiled.names.map((name, index) => [name, found[index + 1] ?? '']));
    return { ...compiled, params };
  }
  return undefined;
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function toApiGatewayEvent(
  request: IncomingMessage,
  url: URL,
  method: string,
  body: Buffer,
  match: CompiledRoute & { params: Record<string, string> },
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const now = new Date();
  const routeKey = `${match.route.method} ${match.route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: match.names.length > 0 ? match.params : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? body.toString('utf8') : undefined,
    isBase64Encoded: false,
  };
}

function stringHeaders(headers: APIGatewayProxyStructuredResultV2['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([key, value]) => [key, String(value)]));
}

function errorBody(code: string, message: string) {
  return { error: { code, message, issues: [] } };
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
