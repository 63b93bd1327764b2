import { describe, expect, it } from 'vitest';
import { nativeEventTypes } from '../../../../domain/events/native-events.ts';
import { apiContract } from '../../../../functions/http/api-contract.ts';
import { openApiDocument } from '../../../../functions/http/openapi-document.ts';
import { routes } from '../../../../infra/topology.ts';

const document = openApiDocument(apiContract, '1') as {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        parameters: { name: string; in: string }[];
        requestBody?: { content: Record<string, { schema: { anyOf?: unknown[] } }> };
        security: unknown[];
      }
    >
  >;
};

describe('the OpenAPI document', () => {
  it('describes exactly the routes the topology deploys', () => {
    expect(Object.keys(apiContract).sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('is OpenAPI 3.1 with every route as an operation, secured unless public', () => {
    expect(document.openapi).toBe('3.1.0');
    for (const route of routes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.security).toEqual(route.authorized ? [{ bearer: [] }] : []);
    }
  });

  it('takes query parameters and bodies from the handlers’ zod schemas', () => {
    expect(document.paths['/v1/events']?.get?.parameters.map((p) => p.name)).toEqual(['after', 'limit']);
    expect(document.paths['/v1/releases/{releaseId}']?.get?.parameters).toEqual([
      { name: 'releaseId', in: 'path', required: true, schema: { type: 'string' } },
    ]);
    const ingest =
      document.paths['/v1/events']?.post?.requestBody?.content['application/cloudevents+json']?.schema;
    expect(ingest?.anyOf).toHaveLength(nativeEventTypes.length);
    expect(
      JSON.stringify(document.paths['/v1/policies/{service}/{environment}']?.put?.requestBody),
    ).toContain('requireSuccessIn');
  });
});
