import { describe, expect, it } from 'vitest';
import { layerViolations } from '../support/layer-rules.ts';

describe('the domain layer check', () => {
  it.each([
    ["import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", 'domain/ may not import the AWS SDK'],
    ["import middy from '@middy/core';", 'domain/ may not import middy'],
    ["import { readFileSync } from 'node:fs';", 'domain/ may not import Node I/O modules'],
    ["import * as http from 'http';", 'domain/ may not import Node I/O modules'],
    [
      "import { adapters } from '../../functions/adapters/clients.ts';",
      'domain/ may not import functions/, infra/ or tests',
    ],
    ['const now = Date.now();', 'domain/ may not read the clock (Date.now)'],
    ['const now = new Date();', 'domain/ may not read the clock (new Date())'],
    ['const table = process.env.TABLE;', 'domain/ may not read the environment or process clocks'],
  ])('rejects %s', (line, rule) => {
    expect(layerViolations('domain/x.ts', line).map((v) => v.rule)).toEqual([rule]);
  });

  it('accepts pure code: zod, node:crypto, dates built from data', () => {
    const text = [
      "import * as z from 'zod';",
      "import { createHash } from 'node:crypto';",
      "import type { Clock } from '../ports/clock.ts';",
      'const at = new Date(event.occurredAt);',
    ].join('\n');
    expect(layerViolations('domain/x.ts', text)).toEqual([]);
  });
});
