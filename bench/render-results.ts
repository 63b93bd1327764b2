import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResults, renderReport } from './report.ts';

/**
 * Rewrites a results directory's latest.md from its latest.json (`npm run bench:render -- <dir>`), so a
 * long run's summary can be re-rendered after the report learns a new section, without re-measuring.
 */
const dir = process.argv[2];
if (!dir || dir === '--help') {
  console.error('Usage: npm run bench:render -- <results dir holding latest.json>');
  process.exit(dir ? 0 : 2);
}
const results = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8')) as BenchResults;
writeFileSync(join(dir, 'latest.md'), renderReport(results));
console.error(`wrote ${join(dir, 'latest.md')}`);
