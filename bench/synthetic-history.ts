import { canonicalJson } from '../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../domain/ledger/hash-chain.ts';
import type { IncomingEvent } from '../domain/ledger/ledger-event.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A deterministic pseudo-random sequence (mulberry32), so every run loads the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A year of release history of realistic shape, oldest first: services owned by teams, releases with
 * 1–8 commits, staging then production deployments, about 8% failed deployments, 6% of production
 * deployments followed by an incident (half rolled back, half fixed forward), each incident resolved.
 */
export function* syntheticHistory(targetEvents: number, end: Date, seed = 42): Generator<IncomingEvent> {
  const next = random(seed);
  const services = Array.from({ length: 24 }, (_, i) => ({
    service: `svc-${i}`,
    team: `team-${i % 6}`,
    version: 0,
    lastGood: '',
  }));
  const start = end.getTime() - 365 * DAY;
  let emitted = 0;
  let n = 0;
  const event = (type: IncomingEvent['type'], at: number, data: Record<string, unknown>): IncomingEvent => {
    n += 1;
    const occurredAt = new Date(Math.min(at, end.getTime() - 1)).toISOString();
    const payload = { type, occurredAt, data };
    return {
      source: 'bench://synthetic',
      id: `e-${seed}-${n}`,
      type,
      occurredAt,
      data,
      original: { format: 'cloudevent', payload },
      payloadHash: sha256Hex(canonicalJson(payload)),
    };
  };
  for (; emitted < targetEvents; ) {
    const owner = services[Math.floor(next() * services.length)] ?? services[0];
    if (!owner) return;
    owner.version += 1;
    // Placed by the share of events emitted so far, not by a guessed events-per-release: a guess that
    // ran short piled the remaining ~20% of the history onto the last day (times are clamped to `end`),
    // making that day's documents hundreds of KB and growing with the history size.
    const at = start + (emitted / targetEvents) * (365 * DAY - 24 * HOUR);
    const releaseId = `${owner.service}-${owner.version}`;
    const commits = Array.from({ length: 1 + Math.floor(next() * 8) }, (_, c) => ({
      sha: sha256Hex(`${releaseId}-${c}`).slice(0, 40),
      timestamp: new Date(at - (1 + next() * 72) * HOUR).toISOString(),
    }));
    const batch: IncomingEvent[] = [
      event('release.created', at, {
        releaseId,
        service: owner.service,
        version: String(owner.version),
        team: owner.team,
        commits,
      }),
    ];
    const stagingId = `${releaseId}-stg`;
    batch.push(
      event('deployment.started', at + HOUR, { deploymentId: stagingId, environment: 'staging', releaseId }),
    );
    batch.push(
      event('deployment.succeeded', at + 1.2 * HOUR, {
        deploymentId: stagingId,
        environment: 'staging',
        releaseId,
      }),
    );
    const prodId = `${releaseId}-prod`;
    const prodAt = at + (2 + next() * 20) * HOUR;
    batch.push(
      event('deployment.started', prodAt, { deploymentId: prodId, environment: 'production', releaseId }),
    );
    if (next() < 0.08) {
      batch.push(
        event('deployment.failed', prodAt + 0.3 * HOUR, {
          deploymentId: prodId,
          environment: 'production',
          releaseId,
          reason: 'health check',
        }),
      );
    } else {
      batch.push(
        event('deployment.succeeded', prodAt + 0.3 * HOUR, {
          deploymentId: prodId,
          environment: 'production',
          releaseId,
        }),
      );
      if (next() < 0.06) {
        const incidentId = `inc-${releaseId}`;
        const openedAt = prodAt + (0.5 + next() * 6) * HOUR;
        batch.push(
          event('incident.opened', openedAt, {
            incidentId,
            service: owner.service,
            environment: 'production',
            severity: next() < 0.3 ? 'sev1' : 'sev2',
          }),
        );
        const remedy = `${releaseId}-remedy`;
        const remedyData =
          next() < 0.5 && owner.lastGood
            ? {
                deploymentId: remedy,
                environment: 'production',
                releaseId: owner.lastGood,
                rollbackOf: prodId,
                planned: false,
              }
            : { deploymentId: remedy, environment: 'production', releaseId, fixes: prodId, planned: false };
        batch.push(event('deployment.succeeded', openedAt + HOUR, remedyData));
        batch.push(event('incident.resolved', openedAt + 1.5 * HOUR, { incidentId }));
      } else {
        owner.lastGood = releaseId;
      }
    }
    for (const e of batch) {
      if (emitted >= targetEvents) return;
      emitted += 1;
      yield e;
    }
  }
}
