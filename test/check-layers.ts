import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { domainFiles, layerViolations } from './support/layer-rules.ts';

// Fails `npm test` when domain/ imports AWS, middy, CDK or Node I/O, or reads the clock or environment.
const root = resolve(import.meta.dirname, '..');
const violations = domainFiles(root).flatMap((file) =>
  layerViolations(file, readFileSync(resolve(root, file), 'utf8')),
);
if (violations.length > 0) {
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.rule}\n    ${v.text}`);
  console.error(
    `\n${violations.length} layer violation(s): domain/ must stay pure (see ../shared/STYLE.md).`,
  );
  process.exit(1);
}
console.log(`layer check: ${domainFiles(root).length} domain files, no I/O, AWS, middy or clock reads`);
