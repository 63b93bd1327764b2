import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBridgeEvent } from '../../infra/local/event-bus.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient, cloudEvent, eventually } from '../support/http.ts';

const tokens = [
  { token: 'watch-admin-token-000001', tenant: 'acme', role: 'admin' },
  { token: 'watch-writer-token-00001', tenant: 'acme', role: 'writer' },
] as const;

let runtime: LocalRuntime;
const seen: EventBridgeEvent[] = [];
const HOUR = 3_600_000;
const hoursFromNow = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    dynamoDbPort: 0,
    tokens: [...tokens],
    // The runtime's own timer, fast enough for a test.
    scheduleIntervalMs: 200,
    extraRules: [
      {
        name: 'observer',
        eventPattern: { source: ['release-ledger'] },
        target: async (e) => void seen.push(e),
      },
    ],
  });
});
afterAll(async () => {
  await runtime?.stop();
});

const writer = () => apiClient(runtime.apiUrl, tokens[1].token);
const post = async (type: string, data: Record<string, unknown>, time: string) => {
  const response = await writer()('POST', '/v1/events', cloudEvent(type, data, { time }));
  expect(response.status, JSON.stringify(response.json)).toBe(201);
};
const outcomes = async (deploymentId: string) => {
  const { json } = await apiClient(runtime.apiUrl, tokens[0].token)('GET', '/v1/events?limit=1000');
  return (json.events as { type: string; data: Record<string, unknown> }[]).filter(
    (e) => e.type === 'release.watch.completed' && e.data.deploymentId === deploymentId,
  );
};
const onBus = (deploymentId: string, type = 'release.watch.completed') =>
  seen.filter(
    (e) =>
      e['detail-type'] === type &&
      (e.detail as { data?: { deploymentId?: string } }).data?.deploymentId === deploymentId,
  );

describe('the post-release watch on the local runtime', () => {
  it('given a 48 h watch that ended, the timer appends and publishes one outcome, and a duplicate delivery adds none', async () => {
    const admin = apiClient(runtime.apiUrl, tokens[0].token);
    expect((await admin('PUT', '/v1/policies/api/production', { watchHours: 48 })).status).toBeLessThan(300);
    const pair = { service: 'api', environment: 'production' };
    // 7 alerts in the 7 days before the start: 2 per 48 h window. 3 in the watch: ratio 1.5, regressed.
    for (let day = 1; day <= 7; day += 1) {
      await post(
        'alert.fired',
        { alertId: `base-${day}`, name: 'Errors', ...pair },
        hoursFromNow(-52 - 24 * (day - 1)),
      );
    }
    await post(
      'release.created',
      { releaseId: 'api-2', service: 'api', version: '2.0.0' },
      hoursFromNow(-60),
    );
    await post('deployment.started', { deploymentId: 'w-1', releaseId: 'api-2', ...pair }, hoursFromNow(-51));
    await post(
      'deployment.succeeded',
      { deploymentId: 'w-1', releaseId: 'api-2', ...pair },
      hoursFromNow(-50),
    );
    for (const h of [-49, -30, -3]) {
      await post('alert.fired', { alertId: `watch${h}`, name: 'Errors', ...pair }, hoursFromNow(h));
    }
    // An alert after the 48 h are over is not the watch's.
    await post('alert.fired', { alertId: 'after', name: 'Errors', ...pair }, hoursFromNow(-1));

    const published = await eventually(() => onBus('w-1')[0]);
    expect((published.detail as { data: unknown }).data).toEqual({
      deploymentId: 'w-1',
      ...pair,
      hours: 48,
      alerts: 3,
      baselineAlerts: 2,
      ratio: 1.5,
      incidents: 0,
      rolledBack: false,
      verdict: 'regressed',
      // The first 24 h (-50 h to -26 h): the alerts at -49 h and -30 h, against 7 × 24 ÷ 168 = 1.
      firstDay: { alerts: 2, baselineAlerts: 1, ratio: 2 },
    });

    // The bus delivers the success again, late: the watch reopens, the next run records nothing new.
    const success = onBus('w-1', 'deployment.succeeded')[0];
    expect(success).toBeDefined();
    await runtime.invoke('watchRelease', success);
    await runtime.runSchedule('release-watch');
    await runtime.bus.idle();
    expect(await outcomes('w-1')).toHaveLength(1);
    expect(onBus('w-1')).toHaveLength(1);

    // The deployment view (and so the dashboard) shows the outcome.
    const { json } = await admin('GET', '/v1/deployments/w-1');
    expect(json.deployment.watch).toMatchObject({ verdict: 'regressed', hours: 48, alerts: 3, ratio: 1.5 });

    // Post-release alert volume: the first day's ratio 2 is the median, and more than 10 % above baseline.
    const window = `from=${hoursFromNow(-24 * 4).slice(0, 10)}&to=${hoursFromNow(24).slice(0, 10)}`;
    const metrics = await eventually(async () => {
      const { json: m } = await admin('GET', `/v1/metrics/dora?service=api&${window}`);
      return m.postReleaseAlertVolume?.watched === 1 ? m : undefined;
    });
    expect(metrics.postReleaseAlertVolume).toEqual({
      medianRatio: 2,
      shareAboveBaseline: 1,
      above: 1,
      watched: 1,
      samples: 1,
    });
    expect(metrics.targets.postReleaseAlertVolume).toEqual({ below: 0.1, met: false });
    const evidence = await admin(
      'GET',
      `/v1/metrics/dora/evidence?metric=postReleaseAlertVolume&service=api&${window}`,
    );
    expect(
      evidence.json.items.map((i: { deploymentId: string; alertVolume: unknown }) => i.alertVolume),
    ).toEqual([{ alerts: 2, baselineAlerts: 1, ratio: 2 }]);
  });

  it('answers the DORA metrics with the rollback rate, its target and the tiers edition', async () => {
    const pair = { service: 'pay', environment: 'production' };
    await post('deployment.succeeded', { deploymentId: 'p-1', ...pair, version: '1.0.0' }, hoursFromNow(-5));
    await post('deployment.succeeded', { deploymentId: 'p-2', ...pair, version: '1.1.0' }, hoursFromNow(-4));
    await post(
      'deployment.succeeded',
      { deploymentId: 'p-3', ...pair, version: '1.0.0', rollbackOf: 'p-2' },
      hoursFromNow(-3),
    );
    const reader = apiClient(runtime.apiUrl, tokens[0].token);
    const window = `from=${hoursFromNow(-24 * 3).slice(0, 10)}&to=${hoursFromNow(24).slice(0, 10)}`;
    const metrics = await eventually(async () => {
      const { json } = await reader('GET', `/v1/metrics/dora?service=pay&${window}`);
      return json.rollbackRate?.total === 3 ? json : undefined;
    });
    expect(metrics.rollbackRate).toEqual({ rate: 1 / 3, rollbacks: 1, total: 3, samples: 3 });
    expect(metrics.tiers).toEqual({ edition: '2023' });
    expect(metrics.targets.rollbackRate).toEqual({ below: 0.02, met: false });
    const evidence = await reader(
      'GET',
      `/v1/metrics/dora/evidence?metric=rollbackRate&service=pay&${window}`,
    );
    expect(evidence.status).toBe(200);
    expect(evidence.json.items.map((i: { deploymentId: string }) => i.deploymentId)).toEqual([
      'p-1',
      'p-2',
      'p-3',
    ]);
    expect(evidence.json.tiers).toEqual({ edition: '2023' });
  });

  it('given a deployment still inside its watch, records nothing until the watch ends', async () => {
    const pair = { service: 'web', environment: 'production' };
    await post('deployment.succeeded', { deploymentId: 'w-2', ...pair, version: '1.0.0' }, hoursFromNow(-1));
    await eventually(() => onBus('w-2', 'deployment.succeeded')[0]);
    // The watch opens in the reaction to the success: let the bus finish delivering it first.
    await runtime.bus.idle();
    await runtime.runSchedule('release-watch');
    expect(await outcomes('w-2')).toHaveLength(0);

    // When the schedule runs after the default 24 h, the quiet deployment is healthy (no baseline: no ratio).
    await runtime.runSchedule('release-watch', new Date(Date.now() + 24 * HOUR));
    const [outcome] = await outcomes('w-2');
    expect(outcome?.data).toMatchObject({
      hours: 24,
      alerts: 0,
      baselineAlerts: 0,
      ratio: null,
      verdict: 'healthy',
    });
  });

  it('given a staging deployment, opens no watch', async () => {
    await post(
      'deployment.succeeded',
      { deploymentId: 'w-3', service: 'api', environment: 'staging', version: '2.0.0' },
      hoursFromNow(-100),
    );
    await eventually(() => onBus('w-3', 'deployment.succeeded')[0]);
    // The watch opens in the reaction to the success: let the bus finish delivering it first.
    await runtime.bus.idle();
    await runtime.runSchedule('release-watch');
    expect(await outcomes('w-3')).toHaveLength(0);
  });
});
