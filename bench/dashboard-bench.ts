import { chromium } from 'playwright-core';
import type { IncomingEvent } from '../domain/ledger/ledger-event.ts';
import { adapters } from '../functions/adapters/clients.ts';
import type { LocalRuntime } from '../infra/local/runtime.ts';
import { median, progress, round } from './stats.ts';
import { syntheticHistory } from './synthetic-history.ts';

export interface DashboardRun {
  readonly events: number;
  /** From navigation to every panel rendered (the page's own "Loaded" mark), median of the loads. */
  readonly firstRenderMs: number;
  /** Medians over the loads: the page's `load` event, and each request's end, from navigation start. */
  readonly breakdownMs: Readonly<Record<string, number>>;
  readonly loads: number;
}

/**
 * A year of history in one tenant, projected, then the dashboard opened in headless Chromium: the time
 * from navigation until metrics, trend, releases and ledger status are all on screen.
 */
export async function benchDashboard(
  runtime: LocalRuntime,
  tokens: { reader: string },
  events: number,
  loads: number,
): Promise<DashboardRun> {
  const tenant = 'bench';
  const store = adapters().eventStore;
  const tick = progress(`dashboard history ${events} events`, events);
  let batch: IncomingEvent[] = [];
  let done = 0;
  for (const event of syntheticHistory(events, new Date(), 7)) {
    batch.push(event);
    if (batch.length === 10) {
      await store.appendEvents(tenant, batch);
      done += batch.length;
      tick(done);
      batch = [];
    }
  }
  if (batch.length > 0) await store.appendEvents(tenant, batch);
  tick(events);
  await projectionCaughtUp(runtime, tokens.reader);
  // Every append also nudged the projector through the bus; let that backlog drain so it does not share the CPU.
  await runtime.bus.idle();

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const samples: number[] = [];
  const marks = new Map<string, number[]>();
  try {
    for (let i = 0; i < loads; i += 1) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.goto(`${runtime.apiUrl}/#token=${tokens.reader}`);
      await page.waitForSelector('body[data-loaded="true"]', { timeout: 60_000 });
      // The page's own clock, from navigation start, so browser start-up is not counted.
      samples.push(Number(await page.getAttribute('body', 'data-rendered-ms')));
      const timings = await page.evaluate(() => {
        // Runs in the page; this project's types have no DOM, so the entries are described here.
        type Entry = { name: string; responseEnd: number; loadEventEnd: number };
        const perf = performance as unknown as { getEntriesByType(type: string): Entry[] };
        return [
          ['load event', perf.getEntriesByType('navigation')[0]?.loadEventEnd ?? 0],
          ...perf.getEntriesByType('resource').map((r) => [new URL(r.name).pathname, r.responseEnd]),
        ] as [string, number][];
      });
      for (const [name, ms] of timings) marks.set(name, [...(marks.get(name) ?? []), ms]);
      // Verification re-hashes the whole ledger after the first render; let it finish so the next load
      // starts on an idle server instead of queueing behind it.
      await page.waitForSelector('body[data-verified]', { timeout: 120_000 });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const breakdownMs = Object.fromEntries(
    [...marks].map(([name, values]) => [name, round(median(values))] as const).sort((a, b) => a[1] - b[1]),
  );
  return { events, firstRenderMs: round(median(samples)), breakdownMs, loads };
}

/** The projector runs behind the bus; wait until the metrics it serves include the whole ledger. */
async function projectionCaughtUp(runtime: LocalRuntime, token: string): Promise<void> {
  const get = async (path: string) =>
    (await (
      await fetch(`${runtime.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Record<string, unknown>;
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    const head = (await get('/v1/audit/digest')).seq as number;
    const source = (await get('/v1/metrics/dora')).source as { kind: string; seq: number } | undefined;
    if (source?.kind === 'projection' && source.seq >= head) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the DORA projection did not catch up within 10 minutes');
}
