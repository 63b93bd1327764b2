import { build } from 'esbuild';
import { esbuildOptions } from '../../infra/aws/bundling.ts';
import { type FunctionName, functions } from '../../infra/topology.ts';

export interface BuiltBundle {
  /** The minified bundle, as `cdk deploy` would upload it (its source map is a separate file). */
  readonly code: string;
  /** Source files (repository-relative paths) that contributed bytes to the bundle. */
  readonly inputs: readonly string[];
}

/**
 * Bundles functions with the CDK stack's esbuild settings, to `outdir` as `<name>.mjs` when given.
 * One esbuild run with several entry points: without code splitting esbuild links each entry point on
 * its own, so every bundle is the one a build of its own gives (bundle-size.test.ts checks that), and
 * the shared modules are parsed once instead of once per function.
 */
export async function buildBundles(
  names: readonly FunctionName[],
  outdir?: string,
): Promise<Record<string, BuiltBundle>> {
  const result = await build({
    ...esbuildOptions(functions[names[0] ?? 'health'].entry),
    entryPoints: Object.fromEntries(names.map((name) => [name, entryOf(name)])),
    outdir: outdir ?? 'bundles',
    outExtension: { '.js': '.mjs' },
    write: outdir !== undefined,
    metafile: true,
  });
  const built: Record<string, BuiltBundle> = {};
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    if (!path.endsWith('.mjs')) continue;
    const name = path.slice(path.lastIndexOf('/') + 1, -'.mjs'.length);
    const file = result.outputFiles?.find((f) => f.path.endsWith(`/${name}.mjs`));
    built[name] = {
      code: file?.text ?? '',
      inputs: Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([input]) => input),
    };
  }
  return built;
}

/** One function bundled on its own, exactly as the benchmark and NodejsFunction do. */
export async function buildBundle(name: FunctionName): Promise<string> {
  const result = await build({
    ...esbuildOptions(functions[name].entry),
    outfile: `${name}.mjs`,
    write: false,
  });
  return result.outputFiles.find((file) => file.path.endsWith('.mjs'))?.text ?? '';
}

function entryOf(name: FunctionName): string {
  const [entry] = esbuildOptions(functions[name].entry).entryPoints as string[];
  if (!entry) throw new Error(`no entry point for ${name}`);
  return entry;
}
