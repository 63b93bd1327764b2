import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchesEventPattern, validateEventPattern } from './event-pattern.ts';

/**
 * An Amazon EventBridge stand-in for the local runtime. It speaks the PutEvents wire protocol (awsJson1_1:
 * `POST /`, `X-Amz-Target: AWSEvents.PutEvents`) so `@aws-sdk/client-eventbridge` works unchanged against
 * `endpoint: bus.endpoint`, and routes each accepted event to the targets of the rules whose event pattern
 * matches it: asynchronously, at least once, retried with exponential backoff, then dead-lettered.
 * SigV4 headers are accepted without being checked.
 */

export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

export interface BusRule {
  readonly name: string;
  readonly eventPattern: Record<string, unknown>;
  readonly target: (event: EventBridgeEvent) => Promise<void>;
}

export interface DeadLetter {
  readonly rule: string;
  readonly event: EventBridgeEvent;
  readonly error: unknown;
}

export interface StartEventBusOptions {
  /** @default 0 (an ephemeral port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly rules: readonly BusRule[];
  /** @default '000000000000' */
  readonly account?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Target retry policy. @default { maxAttempts: 4, baseDelayMs: 100 } (exponential, with jitter) */
  readonly retry?: { readonly maxAttempts: number; readonly baseDelayMs: number };
  /** Receives an event whose target failed every attempt. @default logs it */
  readonly onDeadLetter?: (entry: DeadLetter) => void;
  readonly log?: (line: string) => void;
}

export interface RunningEventBus {
  readonly endpoint: string;
  readonly port: number;
  /** Resolves when no target invocation is in flight or waiting for a retry. */
  idle(): Promise<void>;
  /** Adds a rule, or replaces the rule of the same name (as PutRule does). Throws on an invalid pattern. */
  addRule(rule: BusRule): void;
  removeRule(name: string): void;
  /** Stops accepting, waits briefly for in-flight deliveries, drops pending retries, closes sockets. */
  close(): Promise<void>;
  stats(): { received: number; delivered: number; deadLettered: number };
}

const SERVICE_TARGET = 'AWSEvents';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;
/** EventBridge caps the whole request too: its entries' sizes, summed, as for one entry. */
const MAX_REQUEST_ENTRY_BYTES = 256 * 1024;
const TIME_PARAMETER_BYTES = 14;
/** Ten entries at the size limit, plus room for the JSON around them. */
const MAX_BODY_BYTES = MAX_ENTRIES * MAX_ENTRY_BYTES * 2;
const CLOSE_GRACE_MS = 2_000;
const DEFAULT_RETRY = { maxAttempts: 4, baseDelayMs: 100 } as const;

/** A request-level failure, answered as awsJson1_1 errors are: a status and `{"__type", "message"}`. */
class ProtocolError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type ResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

interface PutEventsResponse {
  FailedEntryCount: number;
  Entries: ResultEntry[];
}

interface Delivery {
  readonly rule: BusRule;
  readonly event: EventBridgeEvent;
}

export async function startEventBus(options: StartEventBusOptions): Promise<RunningEventBus> {
  const log = options.log ?? (() => undefined);
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const retry = options.retry ?? DEFAULT_RETRY;
  const maxAttempts = Math.max(1, Math.floor(retry.maxAttempts));
  const onDeadLetter =
    options.onDeadLetter ??
    ((entry: DeadLetter) =>
      log(
        `event-bus: dead letter for rule ${entry.rule}, event ${entry.event.id}: ${errorText(entry.error)}`,
      ));

  const rules = new Map<string, BusRule>();
  const addRule = (rule: BusRule) => {
    const problems = validateEventPattern(rule.eventPattern);
    if (problems.length > 0)
      throw new Error(`event-bus: rule ${rule.name} has an invalid pattern: ${problems.join('; ')}`);
    rules.set(rule.name, rule);
  };
  for (const rule of options.rules) addRule(rule);

  const counters = { received: 0, delivered: 0, deadLettered: 0 };
  const tracker = createDeliveryTracker();

  const deliver = async ({ rule, event }: Delivery): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await rule.target(structuredClone(event));
        counters.delivered += 1;
        return;
      } catch (error) {
        const lastAttempt = attempt >= maxAttempts;
        if (!lastAttempt) {
          const delayMs = backoffDelay(retry.baseDelayMs, attempt);
          log(`event-bus: rule ${rule.name} target failed (attempt ${attempt}), retrying in ${delayMs} ms`);
          await tracker.sleep(delayMs);
        }
        if (lastAttempt || tracker.closing) {
          counters.deadLettered += 1;
          reportDeadLetter(onDeadLetter, { rule: rule.name, event, error }, log);
          return;
        }
      }
    }
  };

  const accept = (event: EventBridgeEvent) => {
    counters.received += 1;
    for (const rule of rules.values()) {
      if (matchesEventPattern(rule.eventPattern, event)) tracker.track(() => deliver({ rule, event }));
    }
  };

  const server = createServer((request, response) => {
    handleRequest(request, response, { account, region, accept }).catch((error: unknown) => {
      log(`event-bus: ${errorText(error)}`);
      if (!response.headersSent)
        sendError(response, new ProtocolError(500, 'InternalException', 'Internal error'));
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const { address, port } = server.address() as AddressInfo;
  const endpoint = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  log(`event-bus: listening on ${endpoint} with ${rules.size} rule(s)`);

  let closed: Promise<void> | undefined;
  const close = async () => {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const settled = await tracker.drain(CLOSE_GRACE_MS);
    if (!settled) log(`event-bus: closed after ${CLOSE_GRACE_MS} ms with target invocations still in flight`);
    server.closeAllConnections();
    await stopped;
  };

  return {
    endpoint,
    port,
    idle: () => tracker.idle(),
    addRule,
    removeRule: (name) => {
      rules.delete(name);
    },
    close: () => {
      closed ??= close();
      return closed;
    },
    stats: () => ({ ...counters }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP: the awsJson1_1 protocol
// ---------------------------------------------------------------------------------------------------------

interface RequestContext {
  readonly account: string;
  readonly region: string;
  readonly accept: (event: EventBridgeEvent) => void;
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  context: RequestContext,
): Promise<void> {
  try {
    const operation = operationOf(request);
    const body = parseJsonBody(await readBody(request));
    switch (operation) {
      case 'PutEvents':
        sendJson(response, 200, putEvents(body, context));
        return;
      default:
        throw new ProtocolError(400, 'UnknownOperationException', `Operation ${operation} is not supported`);
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    sendError(response, error);
  }
}

function operationOf(request: IncomingMessage): string {
  if (request.method !== 'POST') {
    throw new ProtocolError(404, 'UnknownOperationException', `${request.method ?? 'GET'} is not supported`);
  }
  const target = request.headers['x-amz-target'];
  const [service, operation, ...rest] = (typeof target === 'string' ? target : '').split('.');
  if (service !== SERVICE_TARGET || !operation || rest.length > 0) {
    throw new ProtocolError(400, 'UnknownOperationException', `Unknown X-Amz-Target: ${String(target)}`);
  }
  return operation;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new ProtocolError(413, 'ValidationException', 'Request body exceeds the size limit');
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonBody(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new ProtocolError(400, 'SerializationException', 'Request body is not valid JSON');
  }
  if (!isRecord(parsed))
    throw new ProtocolError(400, 'SerializationException', 'Request body must be an object');
  return parsed;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(payload);
}

function sendError(response: ServerResponse, error: ProtocolError) {
  sendJson(
    response,
    error.status,
    { __type: error.type, message: error.message },
    {
      'x-amzn-errortype': error.type,
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// PutEvents
// ---------------------------------------------------------------------------------------------------------

function putEvents(body: Record<string, unknown>, context: RequestContext): PutEventsResponse {
  const entries = validateEntries(body.Entries);
  const total = entries.reduce((sum: number, entry) => sum + entrySize(lenientFields(entry)), 0);
  if (total > MAX_REQUEST_ENTRY_BYTES) {
    // The SDK surfaces this as a ValidationException thrown from send(): no entry is accepted.
    throw new ProtocolError(
      400,
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  const results = entries.map((entry) => {
    const result = toEvent(entry, context);
    if ('problem' in result) return result.problem;
    context.accept(result.event);
    return { EventId: result.event.id };
  });
  return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
}

function validateEntries(entries: unknown): unknown[] {
  const describe = (constraint: string) =>
    new ProtocolError(
      400,
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: ${constraint}`,
    );
  if (entries === undefined || entries === null) throw describe('Member must not be null');
  if (!Array.isArray(entries))
    throw new ProtocolError(400, 'SerializationException', 'Entries must be a list');
  if (entries.length < 1) throw describe('Member must have length greater than or equal to 1');
  if (entries.length > MAX_ENTRIES) {
    throw describe(`Member must have length less than or equal to ${MAX_ENTRIES}`);
  }
  return entries;
}

type EntryResult = { event: EventBridgeEvent } | { problem: { ErrorCode: string; ErrorMessage: string } };

function toEvent(entry: unknown, context: RequestContext): EntryResult {
  const fields = isRecord(entry) ? entry : {};
  const missing = (['Source', 'DetailType', 'Detail'] as const).find((name) => !nonEmptyString(fields[name]));
  if (missing)
    return invalidArgument(`Parameter ${missing} is not valid. Reason: ${missing} is a required argument.`);
  const source = fields.Source as string;
  const detailType = fields.DetailType as string;
  const detailText = fields.Detail as string;

  const resources = fields.Resources ?? [];
  if (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string')) {
    return invalidArgument('Parameter Resources is not valid. Reason: Resources must be a list of strings.');
  }
  const time = eventTime(fields.Time);
  if (time === undefined)
    return invalidArgument('Parameter Time is not valid. Reason: Time is not a timestamp.');
  const size = entrySize({ source, detailType, detailText, resources, hasTime: fields.Time != null });
  if (size > MAX_ENTRY_BYTES) {
    return invalidArgument(`Entry size ${size} bytes exceeds the limit of ${MAX_ENTRY_BYTES} bytes.`);
  }
  const detail = parseDetail(detailText);
  if (detail === undefined)
    return { problem: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };

  return {
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: context.account,
      time,
      region: context.region,
      resources,
      detail,
    },
  };
}

function invalidArgument(message: string): EntryResult {
  return { problem: { ErrorCode: 'InvalidArgument', ErrorMessage: message } };
}

/** Detail must be a JSON object. */
function parseDetail(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The SDK sends Time as epoch seconds; the CLI as an ISO string. Events carry it without milliseconds. */
function eventTime(time: unknown): string | undefined {
  let date: Date;
  if (time === undefined || time === null) date = new Date();
  else if (typeof time === 'number') date = new Date(time * 1000);
  else if (typeof time === 'string') date = new Date(/^\d+(\.\d+)?$/.test(time) ? Number(time) * 1000 : time);
  else return undefined;
  if (Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** An entry's sized fields as far as they are strings (a malformed entry fails on its own later). */
function lenientFields(entry: unknown): Parameters<typeof entrySize>[0] {
  const fields = isRecord(entry) ? entry : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  return {
    source: text(fields.Source),
    detailType: text(fields.DetailType),
    detailText: text(fields.Detail),
    resources: Array.isArray(fields.Resources) ? fields.Resources.map(text) : [],
    hasTime: fields.Time != null,
  };
}

/** EventBridge's PutEventsRequestEntry size: UTF-8 bytes of Source, DetailType, Detail, Resources; Time = 14. */
function entrySize(entry: {
  source: string;
  detailType: string;
  detailText: string;
  resources: readonly string[];
  hasTime: boolean;
}): number {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
  return (
    (entry.hasTime ? TIME_PARAMETER_BYTES : 0) +
    bytes(entry.source) +
    bytes(entry.detailType) +
    bytes(entry.detailText) +
    entry.resources.reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

// ---------------------------------------------------------------------------------------------------------
// Delivery bookkeeping
// ---------------------------------------------------------------------------------------------------------

interface DeliveryTracker {
  readonly closing: boolean;
  /** Runs `work` on a later turn (after the PutEvents response is written) and counts it until settled. */
  track(work: () => Promise<void>): void;
  /** A retry delay that close() cancels. */
  sleep(ms: number): Promise<void>;
  idle(): Promise<void>;
  /** Marks closing, waits up to `graceMs` for idleness, then cancels pending sleeps. True when idle. */
  drain(graceMs: number): Promise<boolean>;
}

function createDeliveryTracker(): DeliveryTracker {
  let pending = 0;
  let closing = false;
  let waiters: (() => void)[] = [];
  const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  const settle = () => {
    pending -= 1;
    if (pending > 0) return;
    const ready = waiters;
    waiters = [];
    for (const wake of ready) wake();
  };
  const idle = () =>
    pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));

  return {
    get closing() {
      return closing;
    },
    track(work) {
      pending += 1;
      setImmediate(() => {
        work().then(settle, settle);
      });
    },
    sleep(ms) {
      return new Promise<void>((resolve) => {
        const sleeper = {
          timer: setTimeout(() => {
            sleepers.delete(sleeper);
            resolve();
          }, ms),
          wake: resolve,
        };
        sleepers.add(sleeper);
      });
    },
    idle,
    async drain(graceMs) {
      closing = true;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      // Waking the sleepers lets each retry loop see `closing` and dead-letter instead of waiting.
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.wake();
      }
      sleepers.clear();
      const settled = await Promise.race([idle().then(() => true as const), timedOut]);
      clearTimeout(timer);
      return settled;
    },
  };
}

/** Exponential backoff with jitter: base * 2^(attempt-1), scaled by a random factor in [0.5, 1). */
function backoffDelay(baseDelayMs: number, attempt: number): number {
  return Math.round(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
}

function reportDeadLetter(
  onDeadLetter: (entry: DeadLetter) => void,
  entry: DeadLetter,
  log: (line: string) => void,
) {
  try {
    onDeadLetter(entry);
  } catch (error) {
    log(`event-bus: onDeadLetter threw: ${errorText(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
