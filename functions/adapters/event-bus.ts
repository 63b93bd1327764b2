import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { localCredentials } from './local-credentials.ts';
import { hostedClient, perConfiguration } from './per-configuration.ts';

/**
 * Apart from `adapters()` because only the stream relay publishes: a function that never imports this
 * file does not carry the EventBridge client in its bundle.
 */
export const eventBus = /* @__PURE__ */ perConfiguration((config) =>
  hostedClient(
    new EventBridgeClient({
      region: config.region,
      ...(config.eventBusEndpoint
        ? { endpoint: config.eventBusEndpoint, credentials: localCredentials }
        : {}),
    }),
  ),
);
