import * as z from 'zod';
import type { RouteContract } from './api-contract.ts';

type JsonSchema = Record<string, unknown>;

// Transforms and refinements have no JSON Schema; the document describes what a client sends (input).
const jsonSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

const ERROR_RESPONSES: Record<string, string> = {
  '400':
    '`invalid_json`, `validation_failed` (with `issues[].path`), `unsupported_spec_version` (a CDEvent outside the 0.4.x and 0.5.x lines) or `batch_too_large`',
  '401': '`unauthorized`: no token or not a valid one',
  '403': '`forbidden`: the token’s role may not do this',
  '404': '`not_found` (also for another tenant’s data)',
  '409':
    '`idempotency_conflict`, or `release_id_taken` when the release id an event needs belongs to another release',
  '413': '`payload_too_large`',
  '415': '`unsupported_media_type`',
  '503': '`storage_unavailable`; retry after `Retry-After` seconds',
};

const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })),
  }),
});

/** Builds the OpenAPI 3.1 document from the route contract (the handlers' own zod schemas). */
export function openApiDocument(
  contract: Readonly<Record<string, RouteContract>>,
  version: string,
): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [key, route] of Object.entries(contract)) {
    const [method = 'GET', path = '/'] = key.split(' ');
    const pathParams = [...path.matchAll(/\{(\w+)\+?\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryParams = route.query ? queryParameters(jsonSchema(route.query)) : [];
    const errors = Object.fromEntries(
      Object.entries(ERROR_RESPONSES)
        .filter(([status]) => route.roles.length > 0 || !['401', '403'].includes(status))
        .map(([status, description]) => [
          status,
          {
            description,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } },
          },
        ]),
    );
    paths[path] = {
      ...paths[path],
      [method.toLowerCase()]: {
        summary: route.summary,
        operationId: operationId(method, path),
        ...(route.roles.length > 0
          ? { security: [{ bearer: [] }], 'x-roles': route.roles }
          : { security: [] }),
        parameters: [...pathParams, ...queryParams],
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: Object.fromEntries(
                  (route.bodyMediaTypes ?? ['application/json']).map((type) => [
                    type,
                    { schema: jsonSchema(route.body as z.ZodType) },
                  ]),
                ),
              },
            }
          : {}),
        responses: { [String(route.success.status)]: { description: route.success.description }, ...errors },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Release Ledger API',
      version,
      description: 'Event-sourced, tamper-evident ledger of releases, deployments and incidents.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token; it decides tenant and role' },
      },
      schemas: { ErrorBody: jsonSchema(ErrorBodySchema) },
    },
  };
}

function queryParameters(schema: JsonSchema): Record<string, unknown>[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name) && property.default === undefined,
    schema: property,
  }));
}

function operationId(method: string, path: string): string {
  const words = path
    .replace(/^\/v1\//, '')
    .split(/[/.{}-]+/)
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1)));
  return `${method.toLowerCase()}${words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('')}`;
}
