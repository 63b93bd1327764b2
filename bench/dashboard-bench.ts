import { adapters } from '../functions/adapters/clients.ts';
import { DynamoDbDoraStore } from '../functions/adapters/dynamodb-dora-store.ts';
import type { LocalRuntime } from '../infra/local/runtime.ts';
import { type ChromiumSource, launchHeadlessChromium } from '../test/support/headless-chromium.ts';
import { bulkLoad } from './bulk-load.ts';
import { bulkProject } from './bulk-projection.ts';
import { median, phase, round } from './stats.ts';
import { syntheticHistory } from './synthetic-history.ts';

export interface DashboardRun {
  readonly events: number;
  /** From navigation to every panel rendered (the page's own "Loaded" mark), median of the loads. */
  readonly firstRenderMs: number;
  /** Medians over the loads: the page's `load` event, and each request's end, from navigation start. */
  readonly breakdownMs: Readonly<Record<string, number>>;
  readonly loads: number;
  /** Which Chromium ran the loads (absent in results written before it was recorded). */
  readonly browser?: { readonly source: ChromiumSource; readonly version: string };
}

/** The tenant the dashboard is measured on, seeded before the runtime reacts to anything. */
export const DASHBOARD_TENANT = 'dashboard';

/**
 * Stores a year of history in the dashboard's tenant and builds its DORA projection, for the runtime's
 * `seed` hook (before the relay starts, so no reaction sees it, as with a table restored from a
 * backup). Both use the bench's bulk tools, which store item-for-item what `appendEvents` and the
 * projector store (test/integration/bulk-load.test.ts, bulk-projection.test.ts): the seed takes seconds
 * instead of the minute the append path and the projector's catch-up took, which kept `--quick` over
 * three minutes.
 */
export function dashboardSeed(events: number, durations: Record<string, number> = {}) {
  return () =>
    phase(durations, 'dashboard history', async () => {
      const { dynamoDb: client, eventStore, config } = adapters();
      const tables = { eventsTable: config.eventsTable, stateTable: config.stateTable };
      await bulkLoad(DASHBOARD_TENANT, syntheticHistory(events, new Date(), 7), events, {
        client,
        ...tables,
        eventsPerAppend: 10,
        concurrency: 16,
        label: `dashboard history ${events} events`,
      });
      await bulkProject(DASHBOARD_TENANT, events, {
        client,
        stateTable: config.stateTable,
        eventStore,
        doraStore: new DynamoDbDoraStore({ client, stateTable: config.stateTable }),
        definitions: config.doraDefinitions,
        label: `dashboard projection of ${events} events`,
      });
    });
}

/**
 * The dashboard opened in headless Chromium on the seeded tenant (`dashboardSeed`): the time from
 * navigation until metrics, trend, releases and ledger status are all on screen.
 */
export async function benchDashboard(
  runtime: LocalRuntime,
  tokens: { dashboardReader: string },
  events: number,
  loads: number,
): Promise<DashboardRun> {
  await projectionCaughtUp(runtime, tokens.dashboardReader);
  const { browser, chromium } = await launchHeadlessChromium();
  const browserVersion = browser.version();
  const samples: number[] = [];
  const marks = new Map<string, number[]>();
  try {
    for (let i = 0; i < loads; i += 1) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      await page.goto(`${runtime.apiUrl}/#token=${tokens.dashboardReader}`);
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
  return {
    events,
    firstRenderMs: round(median(samples)),
    breakdownMs,
    loads,
    browser: { source: chromium.source, version: browserVersion },
  };
}

/** The metrics the dashboard reads must come from the projection, and include the whole ledger. */
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
