import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type FunctionConfig, readConfig } from '../config.ts';
import { localCredentials } from './local-credentials.ts';

/**
 * Apart from `adapters()` because only the stream relay publishes: a function that never imports this
 * file does not carry the EventBridge client in its bundle. Created once per container and per
 * configuration, like the other clients.
 */
const cache = new Map<string, EventBridgeClient>();

export function eventBus(config: FunctionConfig = readConfig()): EventBridgeClient {
  const key = JSON.stringify(config);
  const cached = cache.get(key);
  if (cached) return cached;
  const created = new EventBridgeClient({
    region: config.region,
    ...(config.eventBusEndpoint ? { endpoint: config.eventBusEndpoint, credentials: localCredentials } : {}),
  });
  cache.set(key, created);
  return created;
}
