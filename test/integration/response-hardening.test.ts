import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent } from '../support/http.ts';

const tokens = [
  { token: 'harden-writer-token-01', tenant: 'harden', role: 'writer' },
  { token: 'harden-reader-token-01', tenant: 'harden', role: 'reader' },
  { token: 'harden-admin-token-001', tenant: 'harden', role: 'admin' },
] as const;

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens: [...tokens] });
});
afterAll(async () => {
  await runtime?.stop();
});

const STATIC_PATHS = [
  '/',
  '/docs',
  '/dashboard/app.js',
  '/dashboard/styles.css',
  '/dashboard/vendor/uPlot.iife.min.js',
  '/dashboard/vendor/uPlot.min.css',
];

/** A Content-Security-Policy header as directive → sources. */
function directives(policy: string | null): Map<string, string[]> {
  return new Map(
    (policy ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

/** The sources a page may load a resource of this directive from (falling back to default-src). */
const allowed = (policy: Map<string, string[]>, directive: string) =>
  policy.get(directive) ?? policy.get('default-src') ?? [];

describe('static pages', () => {
  it('are served with a content security policy that forbids framing, and nosniff', async () => {
    for (const path of STATIC_PATHS) {
      const response = await fetch(`${runtime.apiUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      const policy = directives(response.headers.get('content-security-policy'));
      expect(policy.get('default-src'), path).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors'), path).toEqual(["'none'"]);
    }
  });

  it('let the dashboard load everything it loads, and nothing inline', async () => {
    const response = await fetch(`${runtime.apiUrl}/`);
    const policy = directives(response.headers.get('content-security-policy'));
    const html = await response.text();
    const app = await (await fetch(`${runtime.apiUrl}/dashboard/app.js`)).text();
    const chart = await (await fetch(`${runtime.apiUrl}/dashboard/vendor/uPlot.iife.min.js`)).text();

    // Scripts: the page's module and the chart library app.js adds, both same-origin paths; no inline code.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attrs]) => /src="([^"]+)"/.exec(attrs ?? '')?.[1])).toEqual(['/dashboard/app.js']);
    expect(scripts.map(([, , body]) => body?.trim())).toEqual(['']);
    expect([...app.matchAll(/\.src = '([^']+)'/g)].map(([, src]) => src)).toEqual([
      '/dashboard/vendor/uPlot.iife.min.js',
    ]);
    expect(allowed(policy, 'script-src')).toContain("'self'");
    expect(`${html}${app}${chart}`).not.toMatch(/\beval\(|new Function\(/);
    expect(html).not.toMatch(/\son[a-z]+=/i);

    // Styles: two same-origin stylesheets; style attributes never written as markup, only through the
    // CSSOM (element.style.x = …), which style-src does not govern.
    expect([...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map(([, href]) => href)).toEqual([
      '/dashboard/vendor/uPlot.min.css',
      '/dashboard/styles.css',
    ]);
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect(`${app}${chart}`).not.toMatch(/setAttribute\(["']style|innerHTML|cssText|insertRule/);
    expect(app).not.toMatch(/\bstyle:/);
    expect(allowed(policy, 'style-src')).toContain("'self'");

    // Images: only the data: favicon. Connections: fetch of same-origin API paths.
    expect([...html.matchAll(/<link rel="icon" href="([^"]+)"/g)].map(([, href]) => href)).toEqual([
      'data:,',
    ]);
    expect(allowed(policy, 'img-src')).toContain('data:');
    expect(app).toMatch(/fetch\(path,/);
    const apiPaths = [...app.matchAll(/api\(\s*[`']([^`']+)[`']/g)].map(([, path]) => path);
    expect(apiPaths.length).toBeGreaterThan(0);
    for (const path of apiPaths) expect(path).toMatch(/^\/v1\//);
    expect(app).not.toMatch(/https?:\/\//);
    expect(allowed(policy, 'connect-src')).toContain("'self'");
  });

  it('let the API reference apply exactly its own inline stylesheet', async () => {
    const response = await fetch(`${runtime.apiUrl}/docs`);
    const html = await response.text();
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(([, css]) => css ?? '');
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256')
      .update(styles[0] ?? '', 'utf8')
      .digest('base64');
    expect(directives(response.headers.get('content-security-policy')).get('style-src')).toEqual([
      `'sha256-${hash}'`,
    ]);
    expect(html).not.toMatch(/<script/);
  });
});

describe('responses holding a secret', () => {
  it('creates a token with cache-control: no-store', async () => {
    const admin = apiClient(runtime.apiUrl, tokens[2].token);
    const created = await admin('POST', '/v1/tokens', { role: 'reader' });
    expect(created.status).toBe(201);
    expect(created.json.token).toEqual(expect.any(String));
    expect(created.headers.get('cache-control')).toBe('no-store');
  });
});

describe('the CSV export', () => {
  it('neutralises cells a spreadsheet would run as formulas, leaving the hashed body as stored', async () => {
    const writer = apiClient(runtime.apiUrl, tokens[0].token);
    const reader = apiClient(runtime.apiUrl, tokens[1].token);
    const ids = ['=HYPERLINK("https://evil.example","x")', '+1+1', '-2+3', '@SUM(A1:A9)', 'plain-id'];
    for (const id of ids) {
      const posted = await writer(
        'POST',
        '/v1/events',
        cloudEvent('incident.resolved', { incidentId: id }, { id }),
      );
      expect(posted.status, JSON.stringify(posted.json)).toBe(201);
    }

    const response = await fetch(`${runtime.apiUrl}/v1/audit/export?format=csv`, {
      headers: { authorization: `Bearer ${tokens[1].token}` },
    });
    expect(response.status).toBe(200);
    const lines = (await response.text()).trim().split('\n').slice(1);
    const idCells = lines.map((line) => parseCsvLine(line)[4]);
    expect(idCells).toEqual([
      `'=HYPERLINK("https://evil.example","x")`,
      "'+1+1",
      "'-2+3",
      "'@SUM(A1:A9)",
      'plain-id',
    ]);
    // The body column is exactly what was hashed: the JSON export and the ledger agree on it.
    const events = await reader('GET', '/v1/events?after=0&limit=10');
    const bodies = lines.map((line) => JSON.parse(parseCsvLine(line)[7] ?? 'null'));
    expect(bodies.map((body) => body.id)).toEqual(ids);
    expect(bodies.map((body) => body.seq)).toEqual(events.json.events.map((e: { seq: number }) => e.seq));
  });
});

/** RFC 4180 fields of one line (no line breaks inside fields in these rows). */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < line.length; at += 1) {
    const char = line[at];
    if (quoted) {
      if (char === '"' && line[at + 1] === '"') {
        field += '"';
        at += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}
