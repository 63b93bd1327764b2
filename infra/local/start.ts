import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { RoleSchema, TenantSchema } from '../../domain/auth/roles.ts';
import { generateToken } from '../../functions/adapters/dynamodb-token-store.ts';
import { type LocalRuntime, type ReactionsMode, startLocalRuntime, type TokenSpec } from './runtime.ts';

/**
 * Whichever the bench measures at least as fast for ingest ("Ingest" in bench/results): on this 2-core
 * machine workers reached 0.67× the in-process events/s with 1 client and 0.55× with 16
 * (bench/results/oop-quick), the workers' CPU competing with DynamoDB Local's for the same two cores.
 */
const DEFAULT_REACTIONS: ReactionsMode = 'in-process';

const HELP = `Release Ledger local runtime: the whole system on this machine.

Usage: npm start

Environment:
  PORT                  HTTP port of the API (default 3000)
  LEDGER_DYNAMODB_PORT  port of DynamoDB Local (default 8000)
  LEDGER_BUS_PORT       port of the EventBridge stand-in (default: any free port)
  LEDGER_IN_MEMORY=1    keep nothing on disk
  LEDGER_DATA_DIR       where data, dev tokens and the checkpoint signing key are kept (default .ledger/)
  LEDGER_TOKENS         JSON array of {"token","tenant","role"}, role writer | reader | admin;
                        without it, dev tokens for tenant "dev" are created, printed and kept in the data dir
  LEDGER_REACTIONS      where the reactions (stream relay, gate, projector, rollback...) run: in-process
                        (beside the API) or workers (a thread per function, as each is its own Lambda);
                        default ${DEFAULT_REACTIONS}
`;

const TokensSchema = z.array(
  z.object({
    token: z.string().min(16, 'tokens need at least 16 characters'),
    tenant: TenantSchema,
    role: RoleSchema,
  }),
);

function reactionsFrom(name: string): ReactionsMode {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return DEFAULT_REACTIONS;
  if (raw !== 'in-process' && raw !== 'workers') fail(`${name} must be in-process or workers, got '${raw}'`);
  return raw;
}

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    fail(`${name} must be a port number, got '${raw}'`);
  return port;
}

/** The local timer's interval in ms (0 turns it off); undefined keeps each schedule's rate. */
function intervalFrom(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) fail(`${name} must be a whole number of milliseconds, got '${raw}'`);
  return ms;
}

function fail(message: string): never {
  console.error(`release-ledger: ${message}`);
  process.exit(2);
}

function tokensFrom(dataDir: string | undefined): { tokens: TokenSpec[]; created: boolean; file?: string } {
  const raw = process.env.LEDGER_TOKENS;
  if (raw) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      fail('LEDGER_TOKENS is not valid JSON');
    }
    const result = TokensSchema.safeParse(parsed);
    if (!result.success) {
      fail(
        `LEDGER_TOKENS is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return { tokens: result.data, created: false };
  }
  const file = dataDir ? join(dataDir, 'dev-tokens.json') : undefined;
  if (file && existsSync(file)) {
    return { tokens: TokensSchema.parse(JSON.parse(readFileSync(file, 'utf8'))), created: false, file };
  }
  const tokens: TokenSpec[] = (['writer', 'reader', 'admin'] as const).map((role) => ({
    token: generateToken(),
    tenant: 'dev',
    role,
  }));
  if (file) writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  return { tokens, created: true, ...(file ? { file } : {}) };
}

async function main(): Promise<void> {
  // The SDK's Node 20 end-of-support notice is in the README; printing it on every start is noise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const inMemory = process.env.LEDGER_IN_MEMORY === '1' || process.env.LEDGER_IN_MEMORY === 'true';
  const dataDir = inMemory ? undefined : resolve(process.env.LEDGER_DATA_DIR || '.ledger');
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const { tokens, created, file } = tokensFrom(dataDir);

  // Signals are handled from the first moment: one arriving while DynamoDB Local boots must still stop it.
  let runtime: LocalRuntime | undefined;
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`release-ledger: ${reason}, stopping...`);
    await runtime?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT received'));
  process.on('SIGTERM', () => void shutdown('SIGTERM received'));
  process.on('SIGHUP', () => void shutdown('SIGHUP received'));
  // If whatever started us (npm, a shell, a test harness) dies without passing a signal on, stop too
  // rather than leave DynamoDB Local's JVM running with nobody to stop it.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('parent process exited');
  }, 500).unref();

  console.log('release-ledger: starting DynamoDB Local, the event bus and the API...');
  try {
    runtime = await startLocalRuntime({
      port: portFrom('PORT', 3000),
      dynamoDbPort: portFrom('LEDGER_DYNAMODB_PORT', 8000),
      busPort: portFrom('LEDGER_BUS_PORT', 0),
      dataDir: dataDir ? join(dataDir, 'dynamodb') : undefined,
      checkpointKeyFile: dataDir ? join(dataDir, 'checkpoint-ed25519.pem') : undefined,
      tokens,
      scheduleIntervalMs: intervalFrom('LEDGER_SCHEDULE_INTERVAL_MS'),
      reactions: reactionsFrom('LEDGER_REACTIONS'),
      log: (line) => console.log(`  ${line}`),
    });
  } catch (error) {
    fail(`could not start: ${(error as Error).message}`);
  }
  if (stopping) {
    await runtime.stop();
    return;
  }

  // The dashboard link carries a reader token in its fragment (never sent to the server).
  const readerToken = tokens.find((t) => t.role === 'reader')?.token;
  const lines = [
    '',
    'Release Ledger is running.',
    `  API:              ${runtime.apiUrl}/v1   (health: ${runtime.apiUrl}/v1/health)`,
    `  Dashboard:        ${runtime.apiUrl}/${readerToken ? `#token=${readerToken}` : ''}`,
    `  API reference:    ${runtime.apiUrl}/docs   (OpenAPI: ${runtime.apiUrl}/v1/openapi.json)`,
    `  DynamoDB Local:   ${runtime.dynamoDbEndpoint}   (tables ${runtime.tables.eventsTable}, ${runtime.tables.stateTable})`,
    `  Event bus:        ${runtime.busEndpoint}   (EventBridge PutEvents)`,
    `  Reactions:        ${runtime.reactions === 'workers' ? 'a worker thread per function (LEDGER_REACTIONS=workers)' : 'in the API process (LEDGER_REACTIONS=in-process)'}`,
    `  Data:             ${dataDir ?? 'in memory (LEDGER_IN_MEMORY=1)'}`,
  ];
  if (!process.env.LEDGER_TOKENS) {
    lines.push(
      `  Dev tokens (tenant "dev"${created ? ', new' : ''}${file ? `, kept in ${file}` : ''}):`,
      ...tokens.map((t) => `    ${t.role.padEnd(7)} ${t.token}`),
    );
  } else {
    lines.push(`  Tokens:           ${tokens.length} from LEDGER_TOKENS`);
  }
  lines.push('', 'Press Ctrl-C to stop.');
  console.log(lines.join('\n'));
}

void main();
