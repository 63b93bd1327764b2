import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { launchHeadlessChromium } from '../support/headless-chromium.ts';
import { apiClient, eventually } from '../support/http.ts';

const artifacts = resolve(import.meta.dirname, '../../test-results/dashboard');
const tokens = { writer: 'dash-writer-token-000001', reader: 'dash-reader-token-000001' };
let runtime: LocalRuntime;
let browser: Browser;
let page: Page;

const daysAgo = (days: number, hour = 10) =>
  new Date(Date.now() - days * 86_400_000 + hour * 60_000).toISOString();

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [
      { token: tokens.writer, tenant: 'dash', role: 'writer' },
      { token: tokens.reader, tenant: 'dash', role: 'reader' },
    ],
  });
  const post = apiClient(runtime.apiUrl, tokens.writer);
  let n = 0;
  const event = async (type: string, time: string, data: Record<string, unknown>) => {
    n += 1;
    const response = await post('POST', '/v1/events', {
      specversion: '1.0',
      id: `seed-${n}`,
      source: 'seed',
      type,
      time,
      data,
    });
    expect(response.status).toBe(201);
  };
  // A small year: weekly releases of one service, one of them failing and rolled back.
  for (let week = 0; week < 6; week += 1) {
    const at = daysAgo(40 - week * 7);
    const releaseId = `shop-1.${week}`;
    await event('release.created', at, {
      releaseId,
      service: 'shop',
      version: `1.${week}`,
      team: 'web',
      commits: [{ sha: `c${week}`, timestamp: daysAgo(41 - week * 7) }],
    });
    await event('deployment.succeeded', at, {
      deploymentId: `prod-${week}`,
      environment: 'production',
      releaseId,
    });
  }
  await event('incident.opened', daysAgo(5, 30), {
    incidentId: 'inc-1',
    service: 'shop',
    environment: 'production',
    severity: 'sev2',
    deploymentId: 'prod-5',
  });
  await event('deployment.succeeded', daysAgo(5, 60), {
    deploymentId: 'prod-rb',
    environment: 'production',
    releaseId: 'shop-1.4',
    rollbackOf: 'prod-5',
    planned: false,
  });
  await event('incident.resolved', daysAgo(5, 90), { incidentId: 'inc-1' });
  const reader = apiClient(runtime.apiUrl, tokens.reader);
  await eventually(async () => {
    const from = encodeURIComponent(new Date(Date.now() - 365 * 86_400_000).toISOString());
    const metrics = await reader('GET', `/v1/metrics/dora?service=shop&environment=production&from=${from}`);
    return metrics.json?.deploymentFrequency?.count >= 7 && metrics.json?.changeFailureRate?.failed >= 1
      ? true
      : undefined;
  }, 20_000);

  ({ browser } = await launchHeadlessChromium());
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('the dashboard in headless Chromium', () => {
  it('shows the same DORA numbers as the API, with tiers', async () => {
    await page.goto(`${runtime.apiUrl}/#token=${tokens.reader}`);
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 20_000 });
    const api = await apiClient(runtime.apiUrl, tokens.reader)(
      'GET',
      `/v1/metrics/dora?from=${encodeURIComponent(new Date(Date.now() - 365 * 86_400_000).toISOString())}&to=${encodeURIComponent(new Date().toISOString())}&bucket=week`,
    );
    const shown = async (metric: string) =>
      (await page.textContent(`[data-testid="value-${metric}"]`))?.trim();
    expect(await shown('deploymentFrequency')).toBe(String(api.json.deploymentFrequency.count));
    expect(await shown('changeFailureRate')).toBe(`${(api.json.changeFailureRate.rate * 100).toFixed(1)} %`);
    const alerts = api.json.postReleaseAlertVolume;
    expect(await shown('postReleaseAlertVolume')).toBe(
      alerts.medianRatio === null ? 'n/a' : `${alerts.medianRatio.toFixed(2)}×`,
    );
    expect(await page.locator('.tier').count()).toBeGreaterThanOrEqual(3);
    expect(Number(await page.getAttribute('#trend', 'data-points'))).toBe(api.json.series.length);
    await page.screenshot({ path: resolve(artifacts, 'metrics.png'), fullPage: true });
  });

  it('opens the evidence behind a number from the keyboard', async () => {
    await page.focus('button[data-metric="changeFailureRate"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#evidence table');
    expect(await page.textContent('#evidence caption')).toMatch(/^changeFailureRate: \d+ item\(s\)/);
    expect(await page.textContent('#evidence')).toContain('prod-5');
  });

  it('drills from a release to its events', async () => {
    await page.click('button[data-release="shop-1.5"]');
    await page.waitForSelector('#release-detail h3');
    expect(await page.textContent('#release-detail h3')).toBe('shop 1.5 (shop-1.5)');
    expect(await page.textContent('#release-detail')).toContain('rolled back by prod-rb');
    expect(await page.textContent('#release-detail [data-testid="delivery"] caption')).toBe(
      'Deployed vs released',
    );
    const types = await page
      .locator('#release-detail [data-event-type]')
      .evaluateAll((items) => items.map((i) => i.getAttribute('data-event-type')));
    expect(types.slice(0, 2)).toEqual(['release.created', 'deployment.succeeded']);
    await page.click('#release-detail details summary');
    expect(await page.textContent('#release-detail details pre')).toContain('"hash"');
    await page.screenshot({ path: resolve(artifacts, 'release.png'), fullPage: true });
  });

  it('shows a deployment’s on-call handoff from its release', async () => {
    await page.click('button[data-handoff="prod-5"]');
    await page.waitForSelector('#handoff h4');
    expect(await page.textContent('#handoff h4')).toBe('Handoff: prod-5 (shop 1.5 to production)');
    // prod-4 ran before it, so a rollback of prod-5 returns to 1.4; no policy, so nobody had to take it on.
    expect(await page.textContent('#handoff')).toContain('to 1.4;');
    expect(await page.textContent('#handoff')).toContain('Acknowledgedno');
  });

  it('shows the ledger’s verification status and latest digest', async () => {
    await page.waitForSelector('body[data-verified="true"]');
    expect(await page.textContent('[data-testid="verify"]')).toMatch(/^verified: \d+ events$/);
    expect(await page.textContent('[data-testid="digest"]')).toMatch(/^#\d+ [0-9a-f]{64} \(/);
    // The signed checkpoint and the last full verification come from the same bounded answer.
    expect(await page.textContent('[data-testid="checkpoint"]')).toMatch(
      /^(size \d+, root \S+, signed at \S+|none yet)$/,
    );
    expect(await page.textContent('[data-testid="full-verification"]')).toMatch(
      /^never run|^ok through seq \d+/,
    );
  });

  it('starts the first render’s reads without waiting for the chart library, and verifies only after', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    try {
      // Hold the chart library until the metrics are asked for: a page that waited for it would never load.
      let metricsRequested!: () => void;
      const held = new Promise<void>((resolve) => {
        metricsRequested = resolve;
      });
      fresh.on('request', (request) => {
        if (new URL(request.url()).pathname === '/v1/metrics/dora') metricsRequested();
      });
      await fresh.route('**/dashboard/vendor/uPlot.iife.min.js', async (route) => {
        await held;
        await route.continue();
      });
      // Hashing the whole ledger holds the server's CPU, so it is asked for once the first render is done.
      const loadedWhenVerifying = new Promise<string | null>((resolve) => {
        void fresh.route('**/v1/audit/verify', async (route) => {
          resolve(await fresh.getAttribute('body', 'data-loaded'));
          await route.continue();
        });
      });
      await fresh.goto(`${runtime.apiUrl}/#token=${tokens.reader}`);
      await fresh.waitForSelector('body[data-loaded="true"]', { timeout: 20_000 });
      expect(Number(await fresh.getAttribute('#trend', 'data-points'))).toBeGreaterThan(0);
      expect(await loadedWhenVerifying).toBe('true');
      await fresh.waitForSelector('body[data-verified="true"]');
    } finally {
      await fresh.close();
    }
  });

  it('labels every form control', async () => {
    const unlabelled = await page
      .locator('input, select')
      .evaluateAll((controls) => controls.filter((c) => !c.closest('label')).length);
    expect(unlabelled).toBe(0);
  });
});
