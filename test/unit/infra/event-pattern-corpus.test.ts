import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matchesEventPattern, validateEventPattern } from '../../../infra/local/event-pattern.ts';

/**
 * The local matcher against the shared EventBridge corpus: patterns recorded against the real
 * `TestEventPattern` API, event-ruler's test assertions and the user guide (see SOURCES.md beside it).
 * The corpus is read in place, beside the checkout (CI has it); it is never copied into the project.
 */
const corpusFile = resolve(import.meta.dirname, '../../..', '../shared/corpus/eventbridge/cases.json');

interface CorpusCase {
  readonly id: string;
  readonly pattern: unknown;
  readonly event: unknown;
  readonly expected: boolean | 'invalid';
  readonly source: string;
}

const cases: readonly CorpusCase[] = existsSync(corpusFile)
  ? (JSON.parse(readFileSync(corpusFile, 'utf8')) as CorpusCase[])
  : [];

/** What EventBridge answers: the pattern is refused, or it matches the event or not. */
function localAnswer(pattern: unknown, event: unknown): boolean | 'invalid' {
  if (validateEventPattern(pattern).length > 0) return 'invalid';
  return matchesEventPattern(pattern, event);
}

describe.runIf(cases.length > 0)('the EventBridge corpus', () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, { pattern, event, expected }) => {
    expect(localAnswer(pattern, event)).toBe(expected);
  });

  it('agrees with AWS on every case, refusals included', () => {
    const disagreements = cases
      .filter(({ pattern, event, expected }) => localAnswer(pattern, event) !== expected)
      .map(({ id, source }) => `${id} (${source})`);
    expect(disagreements).toEqual([]);
  });
});
