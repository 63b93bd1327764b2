const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

interface Operation {
  summary?: string;
  'x-roles'?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses?: Record<string, { description: string }>;
}

/** A readable API reference rendered from the OpenAPI document (the same one /v1/openapi.json serves). */
export function renderApiReference(document: {
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
}): string {
  const sections = Object.entries(document.paths)
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, op]) => {
        const id = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-');
        const params = (op.parameters ?? [])
          .map(
            (p) =>
              `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td></tr>`,
          )
          .join('');
        const body = op.requestBody
          ? `<details><summary>Request body (${escapeHtml(Object.keys(op.requestBody.content).join(', '))})</summary><pre>${escapeHtml(
              JSON.stringify(Object.values(op.requestBody.content)[0]?.schema, null, 2),
            )}</pre></details>`
          : '';
        const responses = Object.entries(op.responses ?? {})
          .map(([status, r]) => `<li><strong>${status}</strong> ${escapeHtml(r.description)}</li>`)
          .join('');
        return `<section id="${id}" aria-labelledby="${id}-h">
<h2 id="${id}-h"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary ?? '')}${op['x-roles']?.length ? ` — roles: ${escapeHtml(op['x-roles'].join(', '))}` : ' — no token needed'}</p>
${params ? `<table><caption>Parameters</caption><thead><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr></thead><tbody>${params}</tbody></table>` : ''}
${body}
<ul>${responses}</ul>
</section>`;
      }),
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} — reference</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
code,pre{background:#f3f3f3}pre{padding:.5rem;overflow:auto;max-height:30rem}table{border-collapse:collapse}
td,th{border-bottom:1px solid #ccc;padding:.2rem .6rem;text-align:left}section{border-top:2px solid #ddd;margin-top:1.5rem}</style>
</head><body>
<h1>${escapeHtml(document.info.title)} <small>v${escapeHtml(document.info.version)}</small></h1>
<p>Generated from the handlers' own schemas; machine-readable at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
${sections}
</body></html>
`;
}
