import { describe, expect, it } from 'vitest';
import { matchesEventPattern, validateEventPattern } from '../../../infra/local/event-pattern.ts';
import {
  functions,
  LEDGER_BUS_SOURCE,
  routes,
  rules,
  VERIFICATION_BUS_SOURCE,
} from '../../../infra/topology.ts';

const ledgerEvent = (type: string) => ({
  version: '0',
  id: 'x',
  'detail-type': type,
  source: LEDGER_BUS_SOURCE,
  account: '000000000000',
  time: '2026-11-21T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { tenant: 't', seq: 1, type },
});
const alarm = (state: string, source = 'aws.cloudwatch') => ({
  ...ledgerEvent('CloudWatch Alarm State Change'),
  source,
  detail: { alarmName: 'api-5xx', state: { value: state }, previousState: { value: 'OK' } },
});

/** For each rule, the events it must match and a set it must not. */
const expectations: Record<string, { matches: object[]; ignores: object[] }> = {
  'gate-evaluation': {
    matches: [ledgerEvent('deployment.requested')],
    ignores: [
      ledgerEvent('deployment.started'),
      ledgerEvent('gate.evaluated'),
      { ...ledgerEvent('deployment.requested'), source: 'evil' },
    ],
  },
  'github-protection-rule': {
    matches: [
      {
        ...ledgerEvent('deployment.requested'),
        detail: { data: { githubReview: { callbackUrl: 'https://api.github.com/x', installationId: 1 } } },
      },
    ],
    ignores: [
      ledgerEvent('deployment.requested'),
      { ...ledgerEvent('deployment.requested'), detail: { data: { deploymentId: 'd-1' } } },
      {
        ...ledgerEvent('gate.evaluated'),
        detail: { data: { githubReview: { callbackUrl: 'https://api.github.com/x', installationId: 1 } } },
      },
    ],
  },
  'gate-bypass-check': {
    matches: [ledgerEvent('deployment.started'), ledgerEvent('deployment.succeeded')],
    ignores: [
      ledgerEvent('deployment.requested'),
      ledgerEvent('deployment.failed'),
      ledgerEvent('gate.bypassed'),
    ],
  },
  'release-watch': {
    // A progressive step opens the watch only at weight 100: the function checks, the rule cannot tell.
    matches: [ledgerEvent('deployment.succeeded'), ledgerEvent('deployment.progressed')],
    ignores: [
      ledgerEvent('deployment.started'),
      ledgerEvent('deployment.failed'),
      ledgerEvent('release.watch.completed'),
    ],
  },
  'rollback-on-incident': {
    matches: [ledgerEvent('incident.opened')],
    ignores: [ledgerEvent('incident.resolved'), ledgerEvent('rollback.requested')],
  },
  'rollback-on-trigger': {
    matches: [ledgerEvent('metric.observed')],
    ignores: [
      ledgerEvent('alert.fired'),
      { ...ledgerEvent('metric.observed'), source: 'evil' },
      alarm('ALARM'),
    ],
  },
  'dora-projection': {
    matches: [
      ledgerEvent('deployment.succeeded'),
      ledgerEvent('release.created'),
      ledgerEvent('gate.evaluated'),
    ],
    ignores: [alarm('ALARM'), { ...ledgerEvent('deployment.succeeded'), source: 'evil' }],
  },
  'merkle-tree': {
    matches: [ledgerEvent('deployment.succeeded'), ledgerEvent('gate.evaluated')],
    ignores: [alarm('ALARM'), { ...ledgerEvent('deployment.succeeded'), source: VERIFICATION_BUS_SOURCE }],
  },
  'full-verification': {
    matches: [
      {
        ...ledgerEvent('deployment.succeeded'),
        source: VERIFICATION_BUS_SOURCE,
        'detail-type': 'verification.requested',
      },
    ],
    ignores: [
      ledgerEvent('deployment.succeeded'),
      { ...ledgerEvent('deployment.succeeded'), 'detail-type': 'verification.requested' },
    ],
  },
  'rollback-on-alarm': {
    // OK too: it resolves the alert ALARM recorded.
    matches: [alarm('ALARM'), alarm('OK')],
    ignores: [alarm('INSUFFICIENT_DATA'), alarm('ALARM', LEDGER_BUS_SOURCE), ledgerEvent('incident.opened')],
  },
};

describe('the topology', () => {
  it('declares valid EventBridge patterns for every rule', () => {
    for (const rule of rules) expect(validateEventPattern(rule.eventPattern), rule.name).toEqual([]);
  });

  it.each(rules.map((r) => [r.name, r] as const))(
    'rule %s matches what it should and nothing else',
    (name, rule) => {
      const expected = expectations[name];
      expect(expected, `add expectations for rule ${name}`).toBeDefined();
      for (const event of expected?.matches ?? [])
        expect(matchesEventPattern(rule.eventPattern, event)).toBe(true);
      for (const event of expected?.ignores ?? [])
        expect(matchesEventPattern(rule.eventPattern, event)).toBe(false);
    },
  );

  it('points every route and rule at a declared function, and gives each route one handler', () => {
    for (const route of routes) expect(functions).toHaveProperty(route.function);
    for (const rule of rules) expect(functions).toHaveProperty(rule.target);
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
