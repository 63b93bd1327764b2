import { describe, expect, it } from 'vitest';
import { nativeEventSchemas } from '../../../../domain/events/native-events.ts';
import { serviceStream, streamsOf } from '../../../../domain/ledger/streams.ts';

const progressed = {
  deploymentId: 'd1',
  environment: 'production',
  service: 'api',
  version: '1.4.0',
  weight: 25,
  strategy: 'canary',
};
const released = { flag: 'new-checkout', service: 'api', environment: 'production', exposure: 100 };

describe('progressive delivery events', () => {
  it('a traffic step is in its deployment’s, release’s and service’s histories', () => {
    const streams = streamsOf({
      type: 'deployment.progressed',
      data: { ...progressed, releaseId: 'r1' },
    } as never);
    expect(streams).toEqual(['deployment/d1', 'release/r1', serviceStream('api', 'production')]);
  });

  it('a flag exposure naming a version is in its flag’s, that version’s and the service’s histories', () => {
    const streams = streamsOf({ type: 'feature.released', data: { ...released, version: '1.4.0' } } as never);
    expect(streams).toEqual(['flag/new-checkout', 'feature/api@1.4.0', serviceStream('api', 'production')]);
  });

  it('a flag exposure naming a release is in that release’s history', () => {
    const streams = streamsOf({ type: 'feature.released', data: { ...released, releaseId: 'r1' } } as never);
    expect(streams).toEqual(['flag/new-checkout', 'release/r1', serviceStream('api', 'production')]);
  });

  it.each([
    ['deployment.progressed', { ...progressed, weight: 101 }, ['weight']],
    ['deployment.progressed', { ...progressed, weight: -1 }, ['weight']],
    ['deployment.progressed', { ...progressed, strategy: 'big_bang' }, ['strategy']],
    ['feature.released', { ...released, exposure: '100' }, ['exposure']],
    ['feature.released', { ...released, exposure: 150 }, ['exposure']],
  ] as const)('%s refuses %j naming the field', (type, data, path) => {
    const parsed = nativeEventSchemas[type].safeParse(data);
    expect(parsed.error?.issues.map((i) => i.path)).toContainEqual(path);
  });
});
