import { createHash } from 'node:crypto';
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

/**
 * The dashboard loads its module, the chart library and two stylesheets from this origin, sets styles
 * only through the CSSOM (which style-src does not govern), reads the API with fetch on the same origin
 * and has a `data:` favicon; nothing inline. Everything else is refused, framing included.
 */
const DASHBOARD_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const cache = new Map<string, string>();
let reference: { body: string; policy: string } | undefined;

/**
 * GET /, /docs and /dashboard/* — the dashboard's static files and the API reference page, served by the
 * same function on Lambda (files copied into the bundle) and locally (files read from the repository).
 */
export const handler = httpApi(async (event): Promise<HttpResult> => {
  const path = event.rawPath;
  if (path === '/docs') {
    reference ??= referencePage();
    return page(reference.body, 'html', reference.policy);
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
  return page(body, entry.type, DASHBOARD_POLICY);
});

/** The reference page carries its one inline stylesheet: the policy allows exactly that, by its hash. */
function referencePage(): { body: string; policy: string } {
  const body = renderApiReference(
    openApiDocument(apiContract, '1') as Parameters<typeof renderApiReference>[0],
  );
  const styles = [...body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(
    ([, css]) =>
      `'sha256-${createHash('sha256')
        .update(css ?? '', 'utf8')
        .digest('base64')}'`,
  );
  const policy = [
    "default-src 'none'",
    `style-src ${styles.join(' ') || "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { body, policy };
}

function page(body: string, type: keyof typeof types, policy: string): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': types[type],
      'cache-control': 'public, max-age=60',
      'content-security-policy': policy,
      // Browsers must take the declared type: a file served as text is never run as a script.
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}
