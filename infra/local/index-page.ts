import type { RouteSpec } from '../topology.ts';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * The local runtime's front page: the API's routes as the topology declares them, and the ledger's
 * health. The metrics dashboard itself is a later issue (8); this page never pretends to be it.
 */
export function renderIndexPage(routes: readonly RouteSpec[]): string {
  const rows = routes
    .map(
      (r) =>
        `<tr><td><code>${escapeHtml(r.method)}</code></td><td><code>${escapeHtml(r.path)}</code></td><td>${r.authorized ? 'bearer token' : 'none'}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Release Ledger (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.3rem .8rem;text-align:left}code{background:#f3f3f3;padding:0 .2rem}</style>
</head>
<body>
<h1>Release Ledger — local runtime</h1>
<p>Health: <a href="/v1/health">/v1/health</a>. Send events with <code>POST /v1/events</code> and a writer token; the README has curl examples for every event type.</p>
<h2>API routes</h2>
<table><thead><tr><th>Method</th><th>Path</th><th>Auth</th></tr></thead><tbody>
${rows}
</tbody></table>
</body>
</html>
`;
}
