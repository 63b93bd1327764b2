import { describe, expect, it } from 'vitest';
import { planAppend } from '../../../../domain/ledger/append-plan.ts';
import type { StoredEvent } from '../../../../domain/ledger/ledger-event.ts';
import { type TriggerClaim, triggerMismatch } from '../../../../domain/ledger/trigger-check.ts';
import { incoming } from '../../../support/incoming-events.ts';

const NOW = '2026-11-21T10:00:00.000Z';
const deployment = { deploymentId: 'd1', environment: 'production', releaseId: 'r1' };

/** Two stored entries as the store would hold them: a release, then a deployment request. */
function storedLedger(): [StoredEvent, StoredEvent] {
  const plan = planAppend(
    'acme',
    [
      incoming('release.created', { releaseId: 'r1', service: 'api', version: '1.0' }),
      incoming('deployment.requested', deployment),
    ],
    { ledgerHead: undefined, streamVersions: new Map() },
    NOW,
  );
  const [first, second] = plan.entries.map(
    (entry): StoredEvent => ({ ...entry.envelope, hash: entry.chainHash, eventHash: entry.eventHash }),
  );
  return [first as StoredEvent, second as StoredEvent];
}

/** What the relay puts on the bus for a stored entry. */
const claimOf = (stored: StoredEvent): TriggerClaim => ({
  tenant: stored.tenant,
  seq: stored.seq,
  type: stored.type,
  occurredAt: stored.occurredAt,
  recordedAt: stored.recordedAt,
  hash: stored.hash,
  eventHash: stored.eventHash,
  data: stored.data,
});

const handles = ['deployment.requested'];

describe('checking a bus event against the ledger entry it announces', () => {
  it('accepts exactly what the relay publishes for a stored entry', () => {
    const [release, request] = storedLedger();
    expect(triggerMismatch(claimOf(request), request, release, handles)).toBeUndefined();
    expect(
      triggerMismatch({ ...claimOf(request), data: undefined, dataOmitted: true }, request, release, handles),
    ).toBeUndefined();
  });

  it.each([
    ['another tenant', (c: TriggerClaim) => ({ ...c, tenant: 'other' }), 'another tenant'],
    ['another type', (c: TriggerClaim) => ({ ...c, type: 'deployment.started' }), 'the bus says'],
    ['no hash', (c: TriggerClaim) => ({ ...c, hash: undefined }), 'no chain hash'],
    ['another hash', (c: TriggerClaim) => ({ ...c, hash: '0'.repeat(64) }), 'chain hash differs'],
    ['another event hash', (c: TriggerClaim) => ({ ...c, eventHash: '0'.repeat(64) }), 'event hash differs'],
    ['another time', (c: TriggerClaim) => ({ ...c, recordedAt: '2026-01-01T00:00:00.000Z' }), 'times differ'],
    [
      'other data',
      (c: TriggerClaim) => ({ ...c, data: { ...deployment, deploymentId: 'd2' } }),
      'data differs',
    ],
  ])('refuses a bus event naming %s', (_name, forge, reason) => {
    const [release, request] = storedLedger();
    expect(triggerMismatch(forge(claimOf(request)), request, release, handles)).toContain(reason);
  });

  it('refuses a seq with no entry, and an entry of a type the reaction does not handle', () => {
    const [release, request] = storedLedger();
    expect(triggerMismatch(claimOf(request), undefined, release, handles)).toContain('no entry');
    expect(triggerMismatch(claimOf(release), release, undefined, handles)).toContain('not handled');
  });

  it('refuses a stored entry whose body was changed or that does not link to its predecessor', () => {
    const [release, request] = storedLedger();
    const edited = { ...request, data: { ...deployment, deploymentId: 'd2' } };
    expect(triggerMismatch({ ...claimOf(request), data: edited.data }, edited, release, handles)).toContain(
      'does not match its event hash',
    );
    const otherPredecessor = { ...release, hash: '1'.repeat(64) };
    expect(triggerMismatch(claimOf(request), request, otherPredecessor, handles)).toContain('does not link');
    expect(triggerMismatch(claimOf(request), request, undefined, handles)).toContain('does not link');
  });
});
