import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions } from '../infra/aws/bundling.ts';
import { functions } from '../infra/topology.ts';
import { median, progress, round } from './stats.ts';

export interface BundleRun {
  readonly bytes: number;
  readonly coldImportMs: number;
}

/**
 * Bundles every function with the CDK stack's own esbuild settings (ESM for Node 22, minified, AWS SDK
 * included) and times a cold `import` of each bundle in a fresh Node process.
 */
export async function benchBundles(repetitions: number): Promise<Record<string, BundleRun>> {
  const out = mkdtempSync(join(tmpdir(), 'release-ledger-bundles-'));
  const names = Object.keys(functions) as (keyof typeof functions)[];
  const tick = progress('bundles', names.length);
  const results: Record<string, BundleRun> = {};
  try {
    for (const [index, name] of names.entries()) {
      const outfile = join(out, `${name}.mjs`);
      await build({ ...esbuildOptions(functions[name].entry), outfile, logLevel: 'silent' });
      const samples = Array.from({ length: repetitions }, () => coldImportMs(outfile));
      results[name] = { bytes: statSync(outfile).size, coldImportMs: round(median(samples)) };
      tick(index + 1);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return results;
}

function coldImportMs(file: string): number {
  const script = `const t=process.hrtime.bigint();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  return Number(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, LEDGER_EVENTS_TABLE: 't' },
    }),
  );
}
