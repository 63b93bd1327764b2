import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readConfig } from '../config.ts';
import { apiContract } from './api-contract.ts';
import { renderApiReference } from './api-reference-page.ts';
import { type HttpResult, httpApi } from './http-api.ts';
import { notFound } from './http-error.ts';
import { openApiDocument } from './openapi-document.ts';

const types = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Every file this function serves, by URL path: an allowlist, so no path can reach anything else. */
const FILES: Readonly<
  Record<string, { dir: 'dashboard' | 'vendor'; file: string; type: keyof typeof types }>
> = {
  '/': { dir: 'dashboard', file: 'index.html', type: 'html' },
  '/dashboard/app.js': { dir: 'dashboard', file: 'app.js', type: 'js' },
  '/dashboard/styles.css': { dir: 'dashboard', file: 'styles.css', type: 'css' },
  '/dashboard/vendor/uPlot.iife.min.js': { dir: 'vendor', file: 'uPlot.iife.min.js', type: 'js' },
  '/dashboard/vendor/uPlot.min.css': { dir: 'vendor', file: 'uPlot.min.css', type: 'css' },
};

const cache = new Map<string, string>();
let reference: string | undefined;

/**
 * GET /, /docs and /dashboard/* — the dashboard's static files and the API reference page, served by the
 * same function on Lambda (files copied into the bundle) and locally (files read from the repository).
 */
export const handler = httpApi(async (event): Promise<HttpResult> => {
  const path = event.rawPath;
  if (path === '/docs') {
    reference ??= renderApiReference(
      openApiDocument(apiContract, '1') as Parameters<typeof renderApiReference>[0],
    );
    return page(reference, 'html');
  }
  const entry = FILES[path];
  if (!entry) throw notFound(`page ${path}`);
  const config = readConfig();
  const dir = entry.dir === 'dashboard' ? config.dashboardDir : config.dashboardVendorDir;
  const location = join(dir, entry.file);
  let body = cache.get(location);
  if (body === undefined) {
    body = await readFile(location, 'utf8');
    cache.set(location, body);
  }
  return page(body, entry.type);
});

function page(body: string, type: keyof typeof types): HttpResult {
  return {
    statusCode: 200,
    headers: { 'content-type': types[type], 'cache-control': 'public, max-age=60' },
    body,
  };
}
