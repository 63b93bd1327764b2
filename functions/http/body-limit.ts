/**
 * The API's body limit; EventBridge and Lambda both cap an event near this size as well. Its own module
 * so the webhook function can use it without bundling CloudEvents and CDEvents ingest.
 */
export const MAX_BODY_BYTES = 256 * 1024;
