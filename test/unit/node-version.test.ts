import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const engines = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../package.json'), 'utf8')).engines
  .node as string;
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];

describe('the Node that runs the test workers', () => {
  // .ci/run sets RELEASE_LEDGER_EXPECT_NODE_MAJOR=22 for its pass under Node 22: a worker started by any
  // other Node (a `node` found first on PATH, a fork of the wrong binary) fails that run.
  it('is one the package supports (engines >=20.19) and, when CI names one, that major version', () => {
    expect(engines).toBe('>=20.19');
    expect(major > 20 || (major === 20 && minor >= 19)).toBe(true);
    const expected = process.env.RELEASE_LEDGER_EXPECT_NODE_MAJOR;
    if (expected !== undefined) expect(major).toBe(Number(expected));
  });
});
