import { describe, expect, it } from 'vitest';
import { RESERVED_TENANTS, TenantSchema } from '../../../../domain/auth/roles.ts';
import { stateKeys } from '../../../../functions/adapters/ledger-tables.ts';

describe('the state table key scheme', () => {
  it('reserves, as tenant names, every fixed prefix it puts beside tenants', () => {
    const tenant = 'probe-tenant';
    const partitionKeys = [
      stateKeys.ledgerHead(tenant).pk,
      stateKeys.streamHead(tenant, 'release/r').pk,
      stateKeys.idempotency(tenant, 'k').pk,
      stateKeys.release(tenant, 'r').pk,
      stateKeys.releaseByServiceVersion(tenant, 'k').pk,
      stateKeys.releaseList(tenant),
      stateKeys.releaseListOfService(tenant, 's'),
      stateKeys.gateBypassList(tenant),
      stateKeys.token('hash').pk,
      stateKeys.webhook(tenant, 'github').pk,
      stateKeys.checkpoint('relay').pk,
      stateKeys.alarmSubscriptions('alarm-name'),
      stateKeys.alarmSubscription('alarm-name', tenant, 's', 'e').pk,
      stateKeys.doraDoc(tenant, 'v', 'id').pk,
      stateKeys.doraCells(tenant, 'v', 'day'),
      stateKeys.doraScope(tenant, 'v', 'scope'),
      stateKeys.doraCheckpoint(tenant, 'v').pk,
      stateKeys.doraActive(tenant).pk,
    ];
    const fixedPrefixes = [
      ...new Set(partitionKeys.map((pk) => pk.split('#')[0]).filter((p) => p !== tenant)),
    ];
    expect(fixedPrefixes.sort()).toEqual([...RESERVED_TENANTS].sort());
  });

  it('refuses the reserved names as tenants', () => {
    for (const name of RESERVED_TENANTS) {
      const parsed = TenantSchema.safeParse(name);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain('reserved');
    }
    expect(TenantSchema.safeParse('tokens').success).toBe(true);
  });
});
