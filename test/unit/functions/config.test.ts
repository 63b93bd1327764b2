import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../functions/config.ts';

describe('function configuration: how an append meets contention', () => {
  it('rebases by default', () => {
    expect(readConfig({}).appendContention).toBe('rebase');
  });

  it('uses the inbox only when LEDGER_APPEND_CONTENTION=inbox', () => {
    expect(readConfig({ LEDGER_APPEND_CONTENTION: 'inbox' }).appendContention).toBe('inbox');
    expect(readConfig({ LEDGER_APPEND_CONTENTION: 'INBOX ' }).appendContention).toBe('rebase');
  });
});
