import { describe, expect, it } from 'vitest';
import { readDeployContext } from '../../infra/aws/deploy-context.ts';
import { toCdkEventPattern } from '../../infra/aws/event-pattern.ts';

const from = (context: Record<string, unknown>) => readDeployContext((key) => context[key]);

describe('the deploy context', () => {
  it('defaults to an env-agnostic dev stage with a short digest lock', () => {
    expect(from({})).toEqual({
      stage: 'dev',
      env: undefined,
      alarmEmail: undefined,
      digestRetentionDays: 1,
      reserveConcurrency: true,
    });
  });

  it('locks prod digests for seven years and pins the account and region when both are given', () => {
    expect(from({ stage: 'prod', account: '123456789012', region: 'eu-west-1' })).toMatchObject({
      stage: 'prod',
      env: { account: '123456789012', region: 'eu-west-1' },
      digestRetentionDays: 2557,
    });
  });

  it('reads overrides given as -c strings', () => {
    expect(
      from({ digestRetentionDays: '30', reserveConcurrency: 'false', alarmEmail: 'ops@example.com' }),
    ).toMatchObject({ digestRetentionDays: 30, reserveConcurrency: false, alarmEmail: 'ops@example.com' });
  });

  it.each([
    [{ stage: 'Prod' }, /stage/],
    [{ stage: 'a-stage-name-too-long' }, /at most 12/],
    [{ account: '123456789012' }, /both/],
    [{ digestRetentionDays: '0' }, /positive/],
  ])('refuses %j', (context, message) => {
    expect(() => from(context)).toThrow(message);
  });
});

describe('topology event patterns in CDK', () => {
  it('renames EventBridge fields to CDK names and keeps their values', () => {
    expect(
      toCdkEventPattern({ source: ['s'], 'detail-type': ['t'], detail: { state: { value: ['ALARM'] } } }),
    ).toEqual({ source: ['s'], detailType: ['t'], detail: { state: { value: ['ALARM'] } } });
  });

  it('refuses a field CDK would silently drop', () => {
    expect(() => toCdkEventPattern({ 'detail-typo': ['t'] })).toThrow(/detail-typo/);
  });
});
