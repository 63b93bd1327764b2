import type { EventBridgeEvent } from '../infra/local/event-bus.ts';
import type { LocalRuntime } from '../infra/local/runtime.ts';
import { percentile, progress, round } from './stats.ts';

export interface LatencyRun {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

type Waiter = (event: EventBridgeEvent) => boolean;

/** Watches the bus for decisions; a rule with this target is added to the runtime. */
export function decisionWatcher() {
  const waiters = new Set<Waiter>();
  return {
    target: async (event: EventBridgeEvent) => {
      for (const waiter of waiters) if (waiter(event)) waiters.delete(waiter);
    },
    next(match: (event: EventBridgeEvent) => boolean, timeoutMs = 10_000): Promise<EventBridgeEvent> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no decision within 10 s')), timeoutMs);
        waiters.add((event) => {
          if (!match(event)) return false;
          clearTimeout(timer);
          resolve(event);
          return true;
        });
      });
    },
  };
}

interface Detail {
  readonly recordedAt: string;
  readonly data: Record<string, unknown>;
}

async function post(
  runtime: LocalRuntime,
  token: string,
  type: string,
  id: string,
  data: Record<string, unknown>,
) {
  const response = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ specversion: '1.0', id, source: 'https://bench.local/decisions', type, data }),
  });
  if (response.status !== 201)
    throw new Error(`append answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { event: { recordedAt: string } }).event.recordedAt;
}

/**
 * Time from `deployment.requested` appended to `gate.evaluated` appended (both ledger recording times),
 * through the stream relay, the bus and the rule, one request at a time.
 */
export async function benchGate(
  runtime: LocalRuntime,
  token: string,
  watcher: ReturnType<typeof decisionWatcher>,
  samples: number,
): Promise<LatencyRun> {
  const tick = progress('gate decisions', samples);
  const latencies: number[] = [];
  const run = Date.now();
  await post(runtime, token, 'release.created', `gate-release-${run}`, {
    releaseId: `gate-${run}`,
    service: 'bench-api',
    version: `${run}`,
  });
  for (let i = 0; i < samples; i += 1) {
    const deploymentId = `gate-${run}-${i}`;
    const decided = watcher.next(
      (e) => e['detail-type'] === 'gate.evaluated' && (e.detail as Detail).data.deploymentId === deploymentId,
    );
    const requestedAt = await post(runtime, token, 'deployment.requested', deploymentId, {
      deploymentId,
      environment: 'production',
      releaseId: `gate-${run}`,
    });
    const decision = (await decided).detail as Detail;
    latencies.push(Date.parse(decision.recordedAt) - Date.parse(requestedAt));
    tick(i + 1);
  }
  return { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), samples };
}

/**
 * Time from `incident.opened` appended to `rollback.requested` appended, on a service with auto-rollback
 * enabled: each sample deploys a new version and opens an incident on it.
 */
export async function benchRollback(
  runtime: LocalRuntime,
  tokens: { writer: string; admin: string },
  watcher: ReturnType<typeof decisionWatcher>,
  samples: number,
): Promise<LatencyRun> {
  const tick = progress('rollback decisions', samples);
  const latencies: number[] = [];
  const run = Date.now();
  const service = `bench-rollback-${run}`;
  const policy = await fetch(`${runtime.apiUrl}/v1/policies/${service}/production`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ autoRollback: { enabled: true, severities: ['sev1'], windowMinutes: 60 } }),
  });
  if (policy.status !== 201) throw new Error(`policy answered ${policy.status}`);
  const deploy = (n: number) =>
    post(runtime, tokens.writer, 'deployment.succeeded', `${service}-d${n}`, {
      deploymentId: `${service}-d${n}`,
      environment: 'production',
      service,
      version: `1.${n}`,
    });
  await deploy(0);
  for (let i = 1; i <= samples; i += 1) {
    await deploy(i);
    const incidentId = `${service}-inc-${i}`;
    const decided = watcher.next(
      (e) =>
        e['detail-type'] === 'rollback.requested' &&
        ((e.detail as Detail).data.trigger as { incidentId?: string }).incidentId === incidentId,
    );
    const openedAt = await post(runtime, tokens.writer, 'incident.opened', incidentId, {
      incidentId,
      service,
      environment: 'production',
      severity: 'sev1',
    });
    const decision = (await decided).detail as Detail;
    latencies.push(Date.parse(decision.recordedAt) - Date.parse(openedAt));
    tick(i);
  }
  return { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), samples };
}

/**
 * Time from a production deployment appended to the DORA metrics including it: the projection, nudged
 * through the stream relay and the bus, has caught up to the event's seq. One deployment at a time.
 */
export async function benchFreshness(
  runtime: LocalRuntime,
  tokens: { writer: string; reader: string },
  samples: number,
): Promise<LatencyRun> {
  const tick = progress('DORA projection freshness', samples);
  const latencies: number[] = [];
  const service = `bench-fresh-${Date.now()}`;
  for (let i = 0; i < samples; i += 1) {
    const response = await fetch(`${runtime.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: `${service}-d${i}`,
        source: 'https://bench.local/freshness',
        type: 'deployment.succeeded',
        data: { deploymentId: `${service}-d${i}`, environment: 'production', service, version: `1.${i}` },
      }),
    });
    const appended = performance.now();
    if (response.status !== 201) throw new Error(`append answered ${response.status}`);
    const { seq } = ((await response.json()) as { event: { seq: number } }).event;
    for (let polls = 0; ; polls += 1) {
      const metrics = (await (
        await fetch(`${runtime.apiUrl}/v1/metrics/dora?service=${service}`, {
          headers: { authorization: `Bearer ${tokens.reader}` },
        })
      ).json()) as { source?: { kind: string; seq: number } };
      if (metrics.source?.kind === 'projection' && metrics.source.seq >= seq) break;
      if (polls > 2000) throw new Error(`the projection did not reach seq ${seq} within a minute`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    latencies.push(performance.now() - appended);
    tick(i + 1);
  }
  return { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), samples };
}

/**
 * Trigger to decision: time from posting the last breaching `metric.observed` (the one that makes a
 * rollback trigger's breach span its `forMinutes`) to its `rollback.requested` readable on
 * `GET /v1/deployments/{id}`, through the stream relay, the bus, the rule and the trigger evaluation.
 * Each sample deploys a new version and breaches it: one sample a minute and a half back, then the last.
 */
export async function benchTriggerRollback(
  runtime: LocalRuntime,
  tokens: { writer: string; admin: string },
  samples: number,
): Promise<LatencyRun> {
  const tick = progress('trigger rollback decisions', samples);
  const latencies: number[] = [];
  const run = Date.now();
  const service = `bench-trigger-${run}`;
  const policy = await fetch(`${runtime.apiUrl}/v1/policies/${service}/production`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      autoRollback: { enabled: true },
      rollbackTriggers: [{ name: 'p95-slo', metric: 'p95_ms', above: 300, forMinutes: 1 }],
    }),
  });
  if (policy.status !== 201) throw new Error(`policy answered ${policy.status}`);
  const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const postAt = async (type: string, id: string, data: Record<string, unknown>, time: string) => {
    const response = await fetch(`${runtime.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.writer}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        specversion: '1.0',
        id,
        source: 'https://bench.local/triggers',
        type,
        time,
        data,
      }),
    });
    if (response.status !== 201)
      throw new Error(`append answered ${response.status}: ${await response.text()}`);
  };
  const deploy = (n: number, time: string) =>
    postAt(
      'deployment.succeeded',
      `${service}-d${n}`,
      { deploymentId: `${service}-d${n}`, environment: 'production', service, version: `1.${n}` },
      time,
    );
  const sample = (id: string, time: string) =>
    postAt('metric.observed', id, { service, environment: 'production', metric: 'p95_ms', value: 450 }, time);
  await deploy(0, at(10 * 60_000));
  for (let i = 1; i <= samples; i += 1) {
    const deploymentId = `${service}-d${i}`;
    await deploy(i, at(3 * 60_000));
    await sample(`${deploymentId}-s1`, at(2 * 60_000));
    const posted = performance.now();
    await sample(`${deploymentId}-s2`, at(30_000));
    for (let polls = 0; ; polls += 1) {
      const view = (await (
        await fetch(`${runtime.apiUrl}/v1/deployments/${deploymentId}`, {
          headers: { authorization: `Bearer ${tokens.writer}` },
        })
      ).json()) as { deployment?: { rollbackRequested: unknown } };
      if (view.deployment?.rollbackRequested) break;
      if (polls > 1000) throw new Error(`no rollback.requested for ${deploymentId} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    latencies.push(performance.now() - posted);
    tick(i);
  }
  return { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), samples };
}
