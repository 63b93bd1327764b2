import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchHeadlessChromium, resolveChromium } from '../support/headless-chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'chromium-resolution-'));
/** A stand-in named like a system browser: resolution only looks for it, never runs it. */
const fakeBrowser = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\necho Chromium 0.0\n');
  chmodSync(path, 0o755);
  return path;
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which Chromium the dashboard test and benchmark drive', () => {
  it('uses CHROMIUM_PATH when it is set', async () => {
    const path = fakeBrowser('my-chromium');
    expect(await resolveChromium({ CHROMIUM_PATH: path, PATH: '' })).toEqual({
      executablePath: path,
      source: 'CHROMIUM_PATH',
    });
  });

  it('refuses a CHROMIUM_PATH that is not an executable file, naming it', async () => {
    await expect(resolveChromium({ CHROMIUM_PATH: dir, PATH: '' })).rejects.toThrow(
      `CHROMIUM_PATH=${dir} is not an executable file`,
    );
  });

  it('prefers a system Chromium on PATH to the packaged one', async () => {
    const path = fakeBrowser('chromium');
    expect(await resolveChromium({ PATH: `/nonexistent:${dir}` })).toEqual({
      executablePath: path,
      source: 'system',
    });
  });

  it('falls back to the Chromium shipped in @sparticuz/chromium when the system has none', async () => {
    const resolved = await resolveChromium({ PATH: '' });
    expect(resolved.source).toBe('@sparticuz/chromium');
    expect(execFileSync(resolved.executablePath, ['--version'], { encoding: 'utf8' })).toMatch(
      /^Chromium \d+\./,
    );
  });

  it('launches a headless browser that renders a page in one fixed locale, whatever LANG says', async () => {
    const { browser } = await launchHeadlessChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<main><h1>Release Ledger</h1></main>');
      expect(await page.textContent('h1')).toBe('Release Ledger');
      // Under Debian's LANG=C.UTF-8 the default would be en-US@posix, which Intl.DateTimeFormat rejects.
      expect(await page.evaluate(() => new Intl.DateTimeFormat().resolvedOptions().locale)).toBe('en-US');
    } finally {
      await browser.close();
    }
  });
});
