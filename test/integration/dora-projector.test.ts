import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DORA_DEFINITIONS, definitionsVersion } from '../../domain/dora/definitions.ts';
import { cellsInWindow, computeDora, doraWindow, projectAll } from '../../domain/dora/dora-metrics.ts';
import { doraMetricNames, evidenceFor } from '../../domain/dora/evidence.ts';
import { scopeKey } from '../../domain/dora/rollups.ts';
import type { StoredEvent } from '../../domain/ledger/ledger-event.ts';
import type { EventStore } from '../../domain/ports/event-store.ts';
import { DynamoDbDoraStore } from '../../functions/adapters/dynamodb-dora-store.ts';
import { stateKeys } from '../../functions/adapters/ledger-tables.ts';
import { catchUp, catchUpMemory } from '../../functions/dora/catch-up.ts';
import { doraReader } from '../../functions/dora/dora-reader.ts';
import { doraHistory } from '../support/dora-history.ts';
import { createTestTables, type TestTables } from '../support/dynamodb.ts';

let tables: TestTables;
let dora: DynamoDbDoraStore;

beforeAll(async () => {
  tables = await createTestTables();
  dora = new DynamoDbDoraStore({ client: tables.documentClient, stateTable: tables.stateTable });
});

/** A ledger that is only read: the projector never writes to it. */
function ledgerOf(events: readonly StoredEvent[]): EventStore {
  return {
    readLedger: async (_tenant: string, after: number, limit: number) => {
      const page = events.filter((e) => e.seq > after).slice(0, limit);
      const last = page.at(-1);
      return { events: page, next: last && last.seq < (events.at(-1)?.seq ?? 0) ? last.seq : undefined };
    },
  } as unknown as EventStore;
}

/** `days` days of one service: a release and a deployment a day, a failure and an incident now and then. */
function busyHistory(tenant: string, days: number, perDay: number) {
  const h = doraHistory(tenant);
  const start = Date.UTC(2026, 0, 1);
  for (let day = 0; day < days; day += 1) {
    for (let n = 0; n < perDay; n += 1) {
      const at = (hours: number) =>
        new Date(start + day * 86_400_000 + (n * 2 + hours) * 3_600_000).toISOString();
      const release = `r-${day}-${n}`;
      h.release(release, { team: n % 2 ? 'payments' : 'search', commits: [[`c-${day}-${n}`, at(0)]] });
      if ((day + n) % 7 === 3) h.failed(`d-${day}-${n}`, { release, at: at(1) });
      else h.succeeded(`d-${day}-${n}`, { release, at: at(1) });
      if ((day + n) % 5 === 1) {
        h.opened(`i-${day}-${n}`, { at: at(1.5) });
        h.resolved(`i-${day}-${n}`, at(1.75));
      }
    }
  }
  return h.events;
}

const deps = (events: readonly StoredEvent[], definitions = DEFAULT_DORA_DEFINITIONS) => ({
  eventStore: ledgerOf(events),
  doraStore: dora,
  definitions,
  now: () => Date.now(),
  deadline: Date.now() + 60_000,
});

describe('the DORA projector on DynamoDB Local', () => {
  it('writes what a full recomputation holds, even with concurrent runs', async () => {
    const events = busyHistory('conc', 20, 2);
    const results = await Promise.all([1, 2, 3].map(() => catchUp('conc', deps(events))));
    expect(results.some((r) => r.caughtUp)).toBe(true);
    const version = definitionsVersion(DEFAULT_DORA_DEFINITIONS);
    expect((await dora.checkpoint('conc', version)).seq).toBe(events.length);
    const expected = projectAll(events, DEFAULT_DORA_DEFINITIONS);
    const stored = await dora.load(
      'conc',
      version,
      [...expected.docs.values()].map((doc) => doc.key),
    );
    for (const [id, doc] of expected.docs) expect(stored.get(id), id).toEqual(doc.value);
    const window = { from: '2026-01-01T00:00:00Z', to: '2026-01-21T00:00:00Z' };
    const { rollups } = await dora.scopeRollups('conc', version, scopeKey({}), '2026-01-01', '2026-01-20');
    expect(rollups.size).toBe(20);
    const recomputed = computeDora(events, { scope: {}, ...window });
    expect(recomputed.deploymentFrequency.count).toBe(
      [...rollups.values()].reduce((sum, r) => sum + r.deployments, 0),
    );
    expect(stored.size).toBe(expected.docs.size);
  });

  it('keeps the changes merged as a commit and the deployments shipping it as a full recomputation does', async () => {
    // Given squash merges, each a change merged as one commit: one a release lists among its commits,
    // one deployed by its sha (a release listing no commits), one deployed by a Flux revision's abbreviation
    const sha = (n: number) => String(n).repeat(40);
    const h = doraHistory('squash');
    const at = (day: number, hour: number) => new Date(Date.UTC(2026, 0, 5 + day, hour)).toISOString();
    for (let day = 0; day < 6; day += 1) {
      h.merged(`pr-${day}`, { at: at(day, 9), sha: sha(day + 1), firstCommitAt: at(day, 6) });
      if (day % 3 === 0) {
        h.release(`r-${day}`, { commits: [[sha(day + 1), at(day, 9)]] });
        h.succeeded(`d-${day}`, { release: `r-${day}`, at: at(day, 11) });
      } else if (day % 3 === 1) {
        h.succeeded(`d-${day}`, { release: `api@${sha(day + 1)}`, version: sha(day + 1), at: at(day, 12) });
      } else {
        const revision = `main@sha1:${sha(day + 1).slice(0, 7)}`;
        h.succeeded(`d-${day}`, { release: `api@v${day}`, version: `v${day}`, revision, at: at(day, 13) });
      }
    }
    const events = h.events;
    await catchUp('squash', deps(events));
    // When the stored documents are read back
    const version = definitionsVersion(DEFAULT_DORA_DEFINITIONS);
    const expected = projectAll(events, DEFAULT_DORA_DEFINITIONS);
    const stored = await dora.load(
      'squash',
      version,
      [...expected.docs.values()].map((doc) => doc.key),
    );
    // Then every one, the commit index's changes included, is what the recomputation holds
    for (const [id, doc] of expected.docs) expect(stored.get(id), id).toEqual(doc.value);
    expect(stored.size).toBe(expected.docs.size);
    const cells = [...expected.docs.values()].filter((d) => d.key[0] === 'cell').map((d) => d.value);
    expect(JSON.stringify(cells)).toContain('"matchedBy":"artifactRevision"');
    expect(JSON.stringify(cells)).toContain('"matchedBy":"version"');
    expect(JSON.stringify(cells)).toContain('"changeId":"pr-0","startRule":"change.first_commit"');
  });

  it('reads only the sample lists a query asks for; the others read as empty, however they were stored', async () => {
    const version = 'partial-lists';
    const many = Array.from({ length: 200 }, (_, i) => 3_600 + i * 7);
    const day = {
      deployments: 3,
      leadService: many,
      leadEnvironment: [5, 9],
      recovery: [120],
      alertRatios: [0.5],
    };
    const month = {
      deployments: 3,
      deployDays: 1,
      bins: {
        leadService: many.map((value, i) => [i, value] as const),
        leadEnvironment: [[4, 2] as const],
        recovery: [],
        alertRatios: [],
      },
    };
    const put = (key: Parameters<DynamoDbDoraStore['documentItem']>[2], value: unknown) =>
      tables.documentClient.send(
        new PutCommand({
          TableName: tables.stateTable,
          Item: dora.documentItem('lists', version, key, value),
        }),
      );
    await put(['scope', scopeKey({}), '2026-03-02'], day);
    await put(['month', scopeKey({}), '2026-03'], month);

    // The long list is stored in binary, the short ones inside the JSON text: both are left out alike.
    const byEnvironment = await dora.scopeRollups(
      'lists',
      version,
      scopeKey({}),
      '2026-03-01',
      '2026-03-31',
      ['leadEnvironment', 'recovery'],
    );
    expect(byEnvironment.rollups.get('2026-03-02')).toEqual({
      ...day,
      leadService: [],
      alertRatios: [],
    });
    const byService = await dora.monthsAndDays(
      'lists',
      version,
      scopeKey({}),
      ['2026-03'],
      [],
      ['leadService'],
    );
    expect(byService.months.get('2026-03')).toEqual({
      ...month,
      bins: { ...month.bins, leadEnvironment: [] },
    });
    const whole = await dora.scopeRollups('lists', version, scopeKey({}), '2026-03-01', '2026-03-31');
    expect(whole.rollups.get('2026-03-02')).toEqual(day);
  });

  it('reads months, days, the pointer and the checkpoint by key in one request, each with only the lists asked for', async () => {
    const version = 'by-key';
    const day = {
      deployments: 2,
      leadService: [60, 7_200],
      leadEnvironment: [30],
      recovery: [],
      alertRatios: [],
    };
    const month = {
      deployments: 2,
      deployDays: 1,
      bins: {
        leadService: [[60, 1] as const, [300, 1] as const],
        leadEnvironment: [],
        recovery: [],
        alertRatios: [],
      },
    };
    const put = (item: Record<string, unknown>) =>
      tables.documentClient.send(new PutCommand({ TableName: tables.stateTable, Item: item }));
    await put(dora.documentItem('keyed', version, ['scope', scopeKey({}), '2026-04-29'], day));
    await put(dora.documentItem('keyed', version, ['scope', scopeKey({}), '2026-05-02'], day));
    await put(dora.documentItem('keyed', version, ['month', scopeKey({}), '2026-04'], month));
    const quarantined = [{ seq: 7, type: 'deployment.finished', code: 'bad', reason: 'unreadable' }];
    await put({ ...stateKeys.doraCheckpoint('keyed', version), seq: 41, quarantinedCount: 1, quarantined });
    await put({ ...stateKeys.doraActive('keyed'), version, seq: 41 });
    const counting = tables.countingClient();
    const counted = new DynamoDbDoraStore({ client: counting.client, stateTable: tables.stateTable });

    const read = await counted.monthsAndDays(
      'keyed',
      version,
      scopeKey({}),
      ['2026-03', '2026-04'],
      ['2026-04-29', '2026-04-30', '2026-05-02'],
      ['leadService', 'recovery', 'alertRatios'],
      { withPointer: true },
    );

    expect(counting.sent).toEqual({ BatchGetItem: 1 });
    expect([...read.months.keys()]).toEqual(['2026-04']);
    expect([...read.days.keys()]).toEqual(['2026-04-29', '2026-05-02']);
    expect(read.months.get('2026-04')).toEqual({
      ...month,
      bins: { ...month.bins, leadEnvironment: [] },
    });
    expect(read.days.get('2026-05-02')).toEqual({ ...day, leadEnvironment: [] });
    expect(read.pointer?.active).toEqual({ version, seq: 41 });
    expect(read.pointer?.checkpoint).toMatchObject({ seq: 41, quarantinedCount: 1, quarantined });
    const without = await dora.monthsAndDays('keyed', version, scopeKey({}), ['2026-04'], [], undefined);
    expect(without.pointer).toBeUndefined();
    expect(without.months.get('2026-04')).toEqual(month);
  });

  it('reads one item per day of the window, however long the history', async () => {
    const version = definitionsVersion(DEFAULT_DORA_DEFINITIONS);
    const measured: { events: number; itemsRead: number }[] = [];
    for (const [tenant, perDay] of [
      ['small', 1],
      ['large', 12],
    ] as const) {
      const events = busyHistory(tenant, 30, perDay);
      await catchUp(tenant, deps(events));
      const { itemsRead } = await dora.scopeRollups(
        tenant,
        version,
        scopeKey({ service: 'api' }),
        '2026-01-01',
        '2026-01-30',
      );
      measured.push({ events: events.length, itemsRead });
    }
    console.log(`DORA query items read for a 30-day window: ${JSON.stringify(measured)}`);
    expect(measured.map((m) => m.itemsRead)).toEqual([30, 30]);
  });

  it('builds a new definitions version beside the old one and switches only once it has caught up', async () => {
    const events = busyHistory('swap', 10, 6);
    const oldVersion = definitionsVersion(DEFAULT_DORA_DEFINITIONS);
    await catchUp('swap', deps(events));
    expect(await dora.activeVersion('swap')).toMatchObject({ version: oldVersion });

    const changed = { ...DEFAULT_DORA_DEFINITIONS, incidentGapHours: 1 };
    const newVersion = definitionsVersion(changed);
    let calls = 0;
    // A run cut short after its first batch: the new version is half built and must not be read.
    const partial = await catchUp('swap', {
      ...deps(events, changed),
      now: () => (calls++ < 2 ? 0 : 2),
      deadline: 1,
    });
    expect(partial.caughtUp).toBe(false);
    expect(partial.seq).toBeGreaterThan(0);
    expect(partial.seq).toBeLessThan(events.length);
    expect(await dora.activeVersion('swap')).toMatchObject({ version: oldVersion });
    // A reader running the new code reads the new version speculatively, then the active old one.
    const window = doraWindow('2026-01-01T00:00:00Z', '2026-01-11T00:00:00Z');
    const fromOld = await doraReader('swap', deps(events)).metrics({}, window, 'month', undefined);
    const midSwap = await doraReader('swap', deps(events, changed)).metrics({}, window, 'month', undefined);
    expect(midSwap.source).toMatchObject({ kind: 'projection', version: oldVersion, seq: events.length });
    expect(midSwap).toEqual(fromOld);

    const finished = await catchUp('swap', deps(events, changed));
    expect(finished).toMatchObject({ caughtUp: true, seq: events.length, version: newVersion });
    expect(await dora.activeVersion('swap')).toMatchObject({ version: newVersion });
    for (const definitions of [DEFAULT_DORA_DEFINITIONS, changed]) {
      const metrics = await doraReader('swap', deps(events, definitions)).metrics(
        {},
        window,
        'day',
        undefined,
      );
      expect(metrics.source).toMatchObject({ kind: 'projection', version: newVersion, seq: events.length });
    }
  });

  it('pages evidence reading only the cells of the page’s days, counted from the scope’s rollups', async () => {
    const events = busyHistory('pages', 30, 3);
    await catchUp('pages', deps(events));
    const reader = doraReader('pages', deps(events));
    const window = doraWindow('2026-01-01T00:00:00Z', '2026-01-31T00:00:00Z');
    const everything = cellsInWindow(projectAll(events, DEFAULT_DORA_DEFINITIONS), window);
    for (const scope of [{}, { service: 'api', team: 'payments' }, { environment: 'production' }]) {
      for (const metric of doraMetricNames) {
        const expected = evidenceFor(metric, everything, scope);
        const pages = [];
        for (let cursor = 0; ; ) {
          const page = await reader.evidence(metric, scope, window, { cursor, limit: 7 }, undefined);
          expect(page.total, `${metric} ${JSON.stringify(scope)}`).toBe(expected.length);
          expect(page.source.kind).toBe('projection');
          // 30 rollups, then only the days the page's items lie on (seven items span at most seven days).
          if (page.source.kind === 'projection') expect(page.source.itemsRead).toBeLessThanOrEqual(30 + 7);
          pages.push(...page.items);
          if (page.items.length === 0 || cursor + page.items.length >= page.total) break;
          cursor += page.items.length;
        }
        expect(pages, `${metric} ${JSON.stringify(scope)}`).toEqual(expected);
      }
    }
  });

  describe('with the memory a projector process keeps between nudges', () => {
    const storedDocs = async (tenant: string, events: readonly StoredEvent[]) => {
      const expected = projectAll(events, DEFAULT_DORA_DEFINITIONS);
      const stored = await dora.load(
        tenant,
        definitionsVersion(DEFAULT_DORA_DEFINITIONS),
        [...expected.docs.values()].map((doc) => doc.key),
      );
      return { expected, stored };
    };

    it('answers a nudge for a new event with the fold’s reads and one write, and a spurious nudge with nothing but the ledger read', async () => {
      const events = busyHistory('nudged', 3, 2);
      const counting = tables.countingClient();
      const memoryDeps = (upTo: number) => ({
        ...deps(events.slice(0, upTo)),
        doraStore: new DynamoDbDoraStore({ client: counting.client, stateTable: tables.stateTable }),
        memory,
      });
      const memory = catchUpMemory();
      await catchUp('nudged', memoryDeps(events.length - 1));
      for (const key of Object.keys(counting.sent)) delete counting.sent[key];

      const last = await catchUp('nudged', memoryDeps(events.length));
      expect(last).toMatchObject({ caughtUp: true, seq: events.length, batches: 1 });
      // The ledger here is in memory, so what was sent is the projector's own: reads of the documents
      // the event touches (the fold's), then one write. No checkpoint or active-version reads.
      const { BatchGetItem = 0, ...writes } = counting.sent;
      expect(BatchGetItem).toBeGreaterThan(0);
      expect([{ TransactWriteItems: 1 }, { UpdateItem: 1 }]).toContainEqual(writes);
      for (const key of Object.keys(counting.sent)) delete counting.sent[key];
      expect(await catchUp('nudged', memoryDeps(events.length))).toMatchObject({
        caughtUp: true,
        batches: 0,
      });
      expect(counting.sent).toEqual({});

      const { expected, stored } = await storedDocs('nudged', events);
      for (const [id, doc] of expected.docs) expect(stored.get(id), id).toEqual(doc.value);
    });

    it('moves the checkpoint with a single conditional update when the events change no document', async () => {
      const events = busyHistory('quiet', 2, 1);
      const counting = tables.countingClient();
      const memory = catchUpMemory();
      const quietDeps = (upTo: readonly StoredEvent[]) => ({
        ...deps(upTo),
        doraStore: new DynamoDbDoraStore({ client: counting.client, stateTable: tables.stateTable }),
        memory,
      });
      await catchUp('quiet', quietDeps(events));
      const testRun: StoredEvent = {
        ...(events.at(-1) as StoredEvent),
        seq: events.length + 1,
        type: 'tests.completed',
        stream: 'release/r-1-0',
        data: { releaseId: 'r-1-0', suite: 'unit', passed: true, total: 3 },
      };
      for (const key of Object.keys(counting.sent)) delete counting.sent[key];
      const result = await catchUp('quiet', quietDeps([...events, testRun]));
      expect(result).toMatchObject({ caughtUp: true, seq: events.length + 1, batches: 1 });
      expect(counting.sent).toEqual({ UpdateItem: 1 });
      expect((await dora.checkpoint('quiet', definitionsVersion(DEFAULT_DORA_DEFINITIONS))).seq).toBe(
        events.length + 1,
      );
    });

    it('loses the commit on a checkpoint another process moved, forgets its guess and projects every event once', async () => {
      const events = busyHistory('two-processes', 12, 3);
      const [first, second] = [catchUpMemory(), catchUpMemory()];
      const upTo = (n: number, memory: ReturnType<typeof catchUpMemory>) => ({
        ...deps(events.slice(0, n)),
        memory,
      });
      await catchUp('two-processes', upTo(20, first));
      await catchUp('two-processes', upTo(50, second));
      // The first process still believes the checkpoint is at 20: its fold of 21..50 over documents that
      // already hold them must not be written.
      const result = await catchUp('two-processes', upTo(events.length, first));
      expect(result).toMatchObject({ caughtUp: true, seq: events.length });
      const { expected, stored } = await storedDocs('two-processes', events);
      for (const [id, doc] of expected.docs) expect(stored.get(id), id).toEqual(doc.value);
      expect(stored.size).toBe(expected.docs.size);
    });
  });

  describe('a single event whose changes take several transactions', () => {
    /**
     * Forty days of deployments of a release the ledger learns about only afterwards: its late
     * `release.created` (with a team and commits) re-attributes every one of those days' cells and
     * scope rollups, far more documents than one transaction holds.
     */
    function lateRelease(tenant: string) {
      const h = doraHistory(tenant);
      const start = Date.UTC(2026, 0, 1);
      const at = (day: number, hours: number) =>
        new Date(start + day * 86_400_000 + hours * 3_600_000).toISOString();
      for (let day = 0; day < 40; day += 1) {
        h.succeeded(`late-${day}`, { release: 'late', at: at(day, 10) });
        if (day % 6 === 2) {
          h.opened(`late-i-${day}`, { at: at(day, 11) });
          h.resolved(`late-i-${day}`, at(day, 12));
        }
      }
      h.release('late', { team: 'payments', commits: [['c-late', at(0, 1)]], at: at(0, 2) });
      h.succeeded('after', { release: 'late', at: at(41, 10) });
      return h.events;
    }

    /** The fault: the store's `crashAt`-th transaction never happens, and neither does anything after. */
    function dyingClient(crashAt: number): { client: DynamoDBDocumentClient; crashed: () => boolean } {
      const { client } = tables.countingClient();
      let transactions = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'TransactWriteItemsCommand') transactions += 1;
          if (transactions >= crashAt) throw new Error('the projector died');
          return next(args);
        },
        { step: 'initialize', name: 'dieAtTransaction' },
      );
      return { client, crashed: () => transactions >= crashAt };
    }

    it('ends where a full recomputation does, whichever part the run died after', async () => {
      const version = definitionsVersion(DEFAULT_DORA_DEFINITIONS);
      const crashedAt: number[] = [];
      for (let crashAt = 1; ; crashAt += 1) {
        const tenant = `died-${crashAt}`;
        const events = lateRelease(tenant);
        const releaseSeq = events.length - 1;
        // Given the projection caught up to just before the late release...
        await catchUp(tenant, deps(events.slice(0, releaseSeq - 1)));
        // ...when a run dies in the middle of committing it...
        const dying = dyingClient(crashAt);
        const died = await catchUp(tenant, {
          ...deps(events),
          doraStore: new DynamoDbDoraStore({ client: dying.client, stateTable: tables.stateTable }),
        }).then(
          () => false,
          (error: Error) => error.message === 'the projector died',
        );
        if (!died || !dying.crashed()) break;
        crashedAt.push(crashAt);
        // ...and the next run comes after its lease has expired,
        const later = Date.now() + 10 * 60_000;
        const resumed = await catchUp(tenant, {
          ...deps(events),
          now: () => later,
          deadline: later + 60_000,
        });

        // then every document, day rollups included, is what folding the whole ledger at once gives.
        expect(resumed, `died at transaction ${crashAt}`).toMatchObject({
          caughtUp: true,
          seq: events.length,
        });
        const expected = projectAll(events, DEFAULT_DORA_DEFINITIONS);
        const stored = await dora.load(
          tenant,
          version,
          [...expected.docs.values()].map((doc) => doc.key),
        );
        for (const [id, doc] of expected.docs)
          expect(stored.get(id), `${id}, died at ${crashAt}`).toEqual(doc.value);
        expect(stored.size).toBe(expected.docs.size);
        const { rollups } = await dora.scopeRollups(
          tenant,
          version,
          scopeKey({ team: 'payments' }),
          '2026-01-01',
          '2026-02-28',
        );
        expect([...rollups.values()].reduce((sum, r) => sum + r.deployments, 0)).toBe(41);
      }
      // The late release's commit took several transactions, and the run died after each of them.
      expect(crashedAt.length).toBeGreaterThan(3);
    });
  });

  describe('an event whose fold cannot be stored', () => {
    it('is quarantined and recorded in the projection’s status, and the events after it are folded', async () => {
      const tenant = 'oversized';
      const version = definitionsVersion(DEFAULT_DORA_DEFINITIONS);
      const h = doraHistory(tenant);
      h.release('r-1', { commits: [['c-1', '2026-01-01T00:00:00Z']] });
      h.succeeded('d-1', { release: 'r-1', at: '2026-01-02T10:00:00Z' });
      // A release listing 8,000 commits: its release document would be over DynamoDB's 400 KB item limit.
      const huge = h.release('r-huge', {
        commits: Array.from({ length: 8_000 }, (_, n): [string, string] => [
          `c-huge-${n}`.padEnd(40, '0'),
          '2026-01-03T00:00:00Z',
        ]),
      });
      h.release('r-2', { commits: [['c-2', '2026-01-04T00:00:00Z']] });
      h.succeeded('d-2', { release: 'r-2', at: '2026-01-05T10:00:00Z' });
      const events = h.events;

      expect(await catchUp(tenant, deps(events))).toMatchObject({ caughtUp: true, seq: events.length });

      expect(await dora.checkpoint(tenant, version)).toMatchObject({
        seq: events.length,
        quarantinedCount: 1,
        quarantined: [{ seq: huge.seq, type: 'release.created', code: 'dora_document_too_large' }],
      });
      const expected = projectAll(
        events.filter((event) => event.seq !== huge.seq),
        DEFAULT_DORA_DEFINITIONS,
      );
      const stored = await dora.load(
        tenant,
        version,
        [...expected.docs.values()].map((doc) => doc.key),
      );
      for (const [id, doc] of expected.docs) expect(stored.get(id), id).toEqual(doc.value);
      const window = doraWindow('2026-01-01T00:00:00Z', '2026-01-10T00:00:00Z');
      const metrics = await doraReader(tenant, deps(events)).metrics({}, window, 'week', undefined);
      expect(metrics.deploymentFrequency.count).toBe(2);
      expect(metrics.source).toMatchObject({
        kind: 'projection',
        seq: events.length,
        quarantined: { count: 1, latest: [{ seq: huge.seq, code: 'dora_document_too_large' }] },
      });
    });
  });
});
