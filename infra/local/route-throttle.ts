import type { RouteSpec, Throttle } from '../topology.ts';

/**
 * API Gateway's throttle per route, locally: a token bucket of `burstLimit` refilled at `rateLimit` a
 * second, for each route that declares its own (infra/topology.ts). The stage-wide default is AWS's
 * alone: a local bench or test may send more than 100 requests a second to routes without one.
 */
export function routeThrottles(now: () => number = () => performance.now()) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Seconds to wait before retrying when the route is over its limit; undefined when let through. */
    take(route: RouteSpec): number | undefined {
      const throttle: Throttle | undefined = route.throttle;
      if (!throttle) return undefined;
      const key = `${route.method} ${route.path}`;
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: throttle.burstLimit, at: t };
      bucket.tokens = Math.min(
        throttle.burstLimit,
        bucket.tokens + ((t - bucket.at) / 1000) * throttle.rateLimit,
      );
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / throttle.rateLimit));
    },
  };
}
