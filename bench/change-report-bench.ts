import { adapters } from '../functions/adapters/clients.ts';
import { checkpointSigner, merkleTree } from '../functions/adapters/merkle-adapters.ts';
import { startLocalRuntime } from '../infra/local/runtime.ts';
import { bulkLoad } from './bulk-load.ts';
import { syntheticHistory } from './synthetic-history.ts';

/**
 * The change report over a year of synthetic history (`node --import tsx bench/change-report-bench.ts
 * [events]`, default 100,000): the latency of a month's first page, of a week's sample of 25 (the
 * whole week scanned), and of paging a quarter to its end. Entries are recorded one minute apart per
 * submission of 10, so the year of history spans ~`events / 10` minutes of ledger time.
 */
const EVENTS = Number(process.argv[2] ?? 100_000);
const TENANT = 'bench';
const TOKEN = 'bench-reader-token-00001';
const START = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;

const runtime = await startLocalRuntime({
  port: 0,
  dynamoDbPort: 0,
  tokens: [{ token: TOKEN, tenant: TENANT, role: 'reader' }],
  seed: async () => {
    const { dynamoDb: client, config } = adapters();
    let tick = 0;
    await bulkLoad(TENANT, syntheticHistory(EVENTS, new Date(START + 365 * 24 * 60 * MINUTE)), EVENTS, {
      client,
      eventsTable: config.eventsTable,
      stateTable: config.stateTable,
      eventsPerAppend: 10,
      concurrency: 16,
      clock: () => new Date(START + tick++ * MINUTE),
      label: `change report history ${EVENTS} events`,
    });
    // The report covers what a signed checkpoint covers.
    const extendStarted = performance.now();
    await merkleTree(config).extend(TENANT, checkpointSigner(config), () => new Date());
    console.error(
      `tree extended over ${EVENTS} entries in ${Math.round(performance.now() - extendStarted)} ms`,
    );
  },
});
const span = (EVENTS / 10) * MINUTE;
const iso = (fraction: number) => new Date(START + fraction * span).toISOString();
const get = async (query: string) => {
  const started = performance.now();
  const response = await fetch(`${runtime.apiUrl}/v1/audit/changes?${query}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  const body = (await response.json()) as {
    population: { fromSeq: number; toSeq: number; scanned: { toSeq: number }; count: number };
    next: string | null;
  };
  if (response.status !== 200) throw new Error(`${response.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, body };
};
try {
  const month = `from=${iso(0.5)}&to=${iso(0.5 + 1 / 12)}`;
  const first = await get(`${month}&limit=100`);
  const week = `from=${iso(0.25)}&to=${iso(0.25 + 1 / 52)}`;
  const sample = await get(`${week}&sample=25&seed=bench`);
  const quarter = `from=${iso(0.75)}&to=${iso(1)}&limit=200`;
  let pages = 0;
  let changes = 0;
  let cursor: string | null = null;
  const started = performance.now();
  do {
    const page = await get(`${quarter}${cursor ? `&cursor=${cursor}` : ''}`);
    pages += 1;
    changes += page.body.population.count;
    cursor = page.body.next;
  } while (cursor);
  const quarterMs = performance.now() - started;
  const range = (b: { population: { fromSeq: number; toSeq: number } }) =>
    b.population.toSeq - b.population.fromSeq + 1;
  console.log(
    JSON.stringify(
      {
        events: EVENTS,
        monthFirstPage: {
          ms: Math.round(first.ms),
          windowEntries: range(first.body),
          changes: first.body.population.count,
        },
        weekSample25: {
          ms: Math.round(sample.ms),
          windowEntries: range(sample.body),
          population: sample.body.population.count,
        },
        quarterAllPages: { ms: Math.round(quarterMs), pages, changes },
      },
      null,
      2,
    ),
  );
} finally {
  await runtime.stop();
}
