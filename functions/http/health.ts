import { httpApi, json } from './http-api.ts';

/** GET /v1/health — unauthenticated liveness; the runtime only routes here once everything is up. */
export const handler = httpApi(async () => json(200, { status: 'ok' }));
