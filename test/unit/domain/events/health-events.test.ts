import { describe, expect, it } from 'vitest';
import { nativeEventSchemas } from '../../../../domain/events/native-events.ts';
import { serviceStream, streamsOf } from '../../../../domain/ledger/streams.ts';

const fired = { alertId: 'fp1', name: 'HighErrorRate', service: 'api', environment: 'prod' };
const sample = { service: 'api', environment: 'prod', metric: 'error_rate', value: 0.02 };

describe('release-health signals', () => {
  it('an alert is in its own history and in its service history', () => {
    // Given an alert that fired for api in prod, when it is placed in streams
    const streams = streamsOf({ type: 'alert.fired', data: fired } as never);
    // Then readers of the alert and of the service both find it
    expect(streams).toEqual(['alert/fp1', serviceStream('api', 'prod')]);
  });

  it('a metric sample is in its service history', () => {
    const streams = streamsOf({ type: 'metric.observed', data: sample } as never);
    expect(streams).toEqual([serviceStream('api', 'prod')]);
  });

  it.each([['0.02'], [Number.POSITIVE_INFINITY], [Number.NaN]])(
    'a metric value %s that is not a finite number names the field value',
    (value) => {
      const parsed = nativeEventSchemas['metric.observed'].safeParse({ ...sample, value });
      expect(parsed.error?.issues.map((i) => i.path)).toContainEqual(['value']);
    },
  );
});
