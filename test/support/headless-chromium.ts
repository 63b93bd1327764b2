import { execFileSync } from 'node:child_process';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Where the browser came from: named in failures and in the benchmark's results. */
export type ChromiumSource = 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';

export interface ResolvedChromium {
  readonly executablePath: string;
  readonly source: ChromiumSource;
}

/** Names a system Chromium goes by on Debian, Ubuntu, Fedora and with Google's packages. */
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Flags for a headless run as root in a container: no sandbox, GPU or background traffic. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * ICU reads the process locale: under `LANG=C.UTF-8` (Debian's default in containers) the page's default
 * locale becomes `en-US@posix`, which `Intl.DateTimeFormat` rejects, and the chart library throws on load.
 * One fixed locale also makes every run render numbers and dates alike.
 */
const LOCALE = { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' };

/**
 * The Chromium the dashboard's end-to-end test and benchmark drive: `CHROMIUM_PATH` when set, else a
 * system Chromium on `PATH`, else the headless build shipped inside the `@sparticuz/chromium` npm
 * package (unpacked to the temp directory on first use, ~1.5 s), so `npm ci && npm test` needs no
 * browser from the system.
 */
export async function resolveChromium(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedChromium> {
  const explicit = env.CHROMIUM_PATH;
  if (explicit !== undefined && explicit !== '') {
    if (!executable(explicit)) throw new Error(`CHROMIUM_PATH=${explicit} is not an executable file`);
    return { executablePath: explicit, source: 'CHROMIUM_PATH' };
  }
  const system = systemChromium(env.PATH ?? '');
  if (system) return { executablePath: system, source: 'system' };
  return { executablePath: await packagedChromium(), source: '@sparticuz/chromium' };
}

/** Launches the resolved Chromium headless through playwright-core (which downloads no browser). */
export async function launchHeadlessChromium(): Promise<{ browser: Browser; chromium: ResolvedChromium }> {
  const resolved = await resolveChromium();
  const browser = await chromium.launch({
    executablePath: resolved.executablePath,
    args: ARGS,
    env: { ...process.env, ...LOCALE },
  });
  return { browser, chromium: resolved };
}

function systemChromium(path: string): string | undefined {
  const dirs = path.split(delimiter).filter((dir) => dir !== '');
  for (const name of SYSTEM_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (executable(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The package unpacks its Brotli-compressed binary to `<tmpdir>/chromium` and reuses any file found there,
 * so a run interrupted while unpacking would leave a truncated binary that every later run trusts: a
 * binary that cannot print its version is removed and unpacked again, once.
 */
async function packagedChromium(): Promise<string> {
  const { default: packaged } = await import('@sparticuz/chromium');
  const path = await packaged.executablePath();
  if (runs(path)) return path;
  rmSync(path, { force: true });
  const again = await packaged.executablePath();
  if (!runs(again))
    throw new Error(`the Chromium unpacked from @sparticuz/chromium at ${again} does not start`);
  return again;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function runs(path: string): boolean {
  try {
    execFileSync(path, ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
