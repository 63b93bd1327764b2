import { resolve } from 'node:path';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: entries in the topology are relative to it. */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/**
 * The most a function's minified bundle may weigh (KB as the benchmark reports them, 1024 bytes): the
 * requirement's ceiling, held by test/infra/bundle-size.test.ts and marked in the benchmark report.
 */
export const BUNDLE_SIZE_LIMIT_BYTES = 400 * 1024;

/**
 * How every function is bundled, shared by the CDK functions and the bundle-size benchmark so the sizes
 * it reports are the sizes deployed.
 */
export const bundleSettings = {
  /** Matches the `nodejs22.x` runtime. */
  target: 'node22',
  // ESM entry points of the SDK and zod tree-shake; their CommonJS builds do not.
  mainFields: ['module', 'main'],
  // Some dependencies are CommonJS and call require() for Node built-ins, which an ESM bundle lacks.
  banner:
    "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  // Stack traces only need names and positions; embedding the sources would double the asset.
  sourcesContent: false,
  /**
   * Packages swapped for in-repo modules in the bundles only (the local runtime and the tests run the
   * sources unbundled, with the real packages). Lambda's credentials are always environment variables,
   * so the SDK's default credential chain, with its SSO/STS clients, is replaced by the environment
   * provider alone: about 125 KB less in every function (see functions/adapters/lambda-credentials.ts).
   * Host paths: bundling in Docker, which this project never does, would fail on them rather than
   * silently bundle the full chain.
   */
  alias: {
    '@aws-sdk/credential-provider-node': resolve(REPO_ROOT, 'functions/adapters/lambda-credentials.ts'),
  },
} as const;

/** The NodejsFunction bundling options: the local esbuild, never Docker, with the AWS SDK inside. */
export function nodejsBundling(): BundlingOptions {
  return {
    target: bundleSettings.target,
    format: OutputFormat.ESM,
    mainFields: [...bundleSettings.mainFields],
    banner: bundleSettings.banner,
    minify: bundleSettings.minify,
    sourceMap: bundleSettings.sourceMap,
    sourcesContent: bundleSettings.sourcesContent,
    // The SDK version the code was tested with ships inside the bundle instead of whatever the runtime
    // provides, so a runtime update cannot change the ledger's behaviour.
    bundleAwsSDK: true,
    externalModules: [],
    // NodejsFunction has no alias option; rendered as `--alias:<package>=<path>` on esbuild's command line.
    esbuildArgs: Object.fromEntries(
      Object.entries(bundleSettings.alias).map(([name, path]) => [`--alias:${name}`, path]),
    ),
    forceDockerBundling: false,
    logLevel: LogLevel.WARNING,
  };
}

/**
 * The same settings for esbuild's JavaScript API (the bundle-size benchmark), so what it measures is what
 * `cdk deploy` uploads.
 */
export function esbuildOptions(entry: string): BuildOptions {
  return {
    entryPoints: [resolve(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundleSettings.target,
    mainFields: [...bundleSettings.mainFields],
    banner: { js: bundleSettings.banner },
    minify: bundleSettings.minify,
    sourcemap: bundleSettings.sourceMap ? 'external' : false,
    sourcesContent: bundleSettings.sourcesContent,
    alias: { ...bundleSettings.alias },
    logLevel: 'silent',
  };
}
