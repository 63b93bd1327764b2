import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_SIZE_LIMIT_BYTES, esbuildOptions, nodejsBundling } from '../../infra/aws/bundling.ts';
import { type FunctionName, functions } from '../../infra/topology.ts';
import { type BuiltBundle, buildBundle, buildBundles } from '../support/bundles.ts';

// A size is a property of the build, not a timing: it is the same on any machine, so a test can hold it.
const names = Object.keys(functions) as FunctionName[];
let bundles: Record<string, BuiltBundle>;

beforeAll(async () => {
  bundles = await buildBundles(names);
});

/** The SDK's default credential chain: useless in Lambda, where credentials are environment variables. */
const CREDENTIAL_CHAIN =
  /node_modules\/@aws-sdk\/(credential-provider-(node|ini|sso|login|process|web-identity|http)|nested-clients|token-providers)\/|node_modules\/@smithy\/credential-provider-imds\//;

describe('Lambda bundles (built with the CDK stack’s esbuild settings)', () => {
  it('builds every function in the topology', () => {
    expect(Object.keys(bundles).sort()).toEqual([...names].sort());
  });

  it(`keeps every function under ${BUNDLE_SIZE_LIMIT_BYTES / 1024} KB minified`, () => {
    const sizes = Object.entries(bundles).map(([name, b]) => ({ name, bytes: Buffer.byteLength(b.code) }));
    expect(sizes.filter((s) => s.bytes >= BUNDLE_SIZE_LIMIT_BYTES)).toEqual([]);
  });

  it('carries the AWS SDK but not its default credential chain', () => {
    expect(bundles.getRelease?.inputs.some((input) => input.includes('@aws-sdk/client-dynamodb/'))).toBe(
      true,
    );
    expect(
      bundles.getRelease?.inputs.some((input) => input.includes('@aws-sdk/credential-provider-env/')),
    ).toBe(true);
    const chain = Object.entries(bundles).flatMap(([name, b]) =>
      b.inputs.filter((input) => CREDENTIAL_CHAIN.test(input)).map((input) => `${name}: ${input}`),
    );
    expect(chain).toEqual([]);
  });

  it('puts the EventBridge client only in the functions that publish', () => {
    const withEventBridge = Object.entries(bundles)
      .filter(([, b]) => b.inputs.some((input) => input.includes('@aws-sdk/client-eventbridge/')))
      .map(([name]) => name);
    // The relay, and the two functions that start or continue a verification job.
    expect(withEventBridge.sort()).toEqual(['runVerification', 'startVerification', 'streamRelay']);
  });

  it('measures the bundles a build of their own gives (what NodejsFunction and the benchmark build)', async () => {
    expect(await buildBundle('sealDigest')).toBe(bundles.sealDigest?.code);
  });

  it('gives NodejsFunction the same aliases as the benchmark', () => {
    const args = Object.entries(nodejsBundling().esbuildArgs ?? {}).filter(([flag]) =>
      flag.startsWith('--alias:'),
    );
    const aliases = Object.fromEntries(args.map(([flag, path]) => [flag.slice('--alias:'.length), path]));
    expect(aliases).toEqual(esbuildOptions(functions.health.entry).alias);
    expect(Object.keys(aliases)).toContain('@aws-sdk/credential-provider-node');
  });
});
