import { apiContract } from './api-contract.ts';
import { httpApi, json } from './http-api.ts';
import { openApiDocument } from './openapi-document.ts';

const document = openApiDocument(apiContract, '1');

/** GET /v1/openapi.json — the OpenAPI 3.1 document, generated from the handlers' zod schemas. */
export const handler = httpApi(async () => json(200, document, { 'cache-control': 'public, max-age=300' }));
