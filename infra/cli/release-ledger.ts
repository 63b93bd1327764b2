import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { HandoffBriefing } from '../../domain/views/handoff-briefing.ts';
import { isProofCommand, proofMain } from '../verify-proofs.ts';
import { apiClient, CliError, failOnError } from './api-client.ts';
import { ciContext } from './ci-context.ts';
import { eventCommands, type Flags, required } from './event-commands.ts';
import { fetchEvidence, readEvidence, verifyEvidence, writeEvidence } from './evidence.ts';
import { evidenceProofVerifier } from './evidence-proofs.ts';

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  'release-id': { type: 'string' },
  'deployment-id': { type: 'string' },
  'incident-id': { type: 'string' },
  service: { type: 'string' },
  version: { type: 'string' },
  environment: { type: 'string' },
  team: { type: 'string' },
  notes: { type: 'string' },
  'git-range': { type: 'string' },
  'rollback-of': { type: 'string' },
  fixes: { type: 'string' },
  unplanned: { type: 'boolean' },
  reason: { type: 'string' },
  severity: { type: 'string' },
  title: { type: 'string' },
  approver: { type: 'string' },
  suite: { type: 'string' },
  passed: { type: 'boolean' },
  failed: { type: 'boolean' },
  total: { type: 'string' },
  'failed-count': { type: 'string' },
  timeout: { type: 'string', default: '10m' },
  interval: { type: 'string', default: '2s' },
  role: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string', default: 'jsonl' },
  output: { type: 'string', short: 'o' },
  'token-to-revoke': { type: 'string' },
  out: { type: 'string' },
  reviewer: { type: 'string' },
  'review-url': { type: 'string' },
  sample: { type: 'string' },
  seed: { type: 'string' },
  'alert-id': { type: 'string' },
  name: { type: 'string' },
  metric: { type: 'string' },
  value: { type: 'string' },
  unit: { type: 'string' },
  at: { type: 'string' },
  item: { type: 'string' },
  by: { type: 'string' },
  engineer: { type: 'string' },
} as const;

const OTHER_COMMANDS: Record<string, { usage: string; summary: string }> = {
  'gate wait': {
    usage: 'gate wait <deploymentId> [--timeout 10m] [--interval 2s]',
    summary: 'wait for the gate decision; exit 0 passed, 1 failed, 2 timed out',
  },
  handoff: {
    usage: 'handoff <deploymentId>',
    summary: 'the on-call briefing of a deployment: what changed, rollback, runbooks, who acknowledged it',
  },
  verify: { usage: 'verify', summary: 'recompute the ledger hash chain on the server; exit 1 if tampered' },
  'verify-event': {
    usage: 'verify-event --event event.json --proof proof.json --checkpoint checkpoint.txt --key key.txt',
    summary: 'offline: check one event is in a signed checkpoint (no API call); exit 1 if not',
  },
  'verify-consistency': {
    usage: 'verify-consistency --old a.txt --new b.txt --proof proof.json --key key.txt',
    summary: 'offline: check a newer checkpoint extends an older one (no API call); exit 1 if not',
  },
  export: {
    usage: 'export [--from <t>] [--to <t>] [--format jsonl|csv] [-o <file>]',
    summary: 'export the ledger with hashes',
  },
  metrics: {
    usage: 'metrics [--service <s>] [--team <t>] [--environment <e>] [--from <t>] [--to <t>]',
    summary: 'DORA metrics as a table',
  },
  evidence: {
    usage: 'evidence --from <t> --to <t> --out <dir> [--environment production] [--sample <n> --seed <s>]',
    summary:
      'write the change report of a window with its events, inclusion proofs, checkpoint and key (reader token)',
  },
  'verify-evidence': {
    usage: 'verify-evidence <dir>',
    summary: 'check an evidence pack offline; exit 1 on any failure',
  },
  'tokens create': {
    usage: 'tokens create --role writer|reader|admin',
    summary: 'create a token for your tenant (admin token)',
  },
  'tokens revoke': {
    usage: 'tokens revoke --token-to-revoke <token>',
    summary: 'revoke a token of your tenant (admin token)',
  },
};

function help(): string {
  const rows = [...Object.entries(eventCommands), ...Object.entries(OTHER_COMMANDS)]
    .map(([, c]) => `  ${c.usage}\n      ${c.summary}`)
    .join('\n');
  return `release-ledger — record releases, deployments and incidents from CI, and query the ledger

Usage: release-ledger <command> [options]

Commands:
${rows}

Options for every command:
  --url <url>      API base URL (or RELEASE_LEDGER_URL; default http://127.0.0.1:3000)
  --token <token>  bearer token (or RELEASE_LEDGER_TOKEN)
  --json           machine-readable output
  -h, --help       this help

In GitHub Actions and GitLab CI the repository, commit and run id are read from the environment, and
event ids derive from the run id: a re-run job replays instead of posting twice. Exit codes: 0 success,
1 failure (the API refused, the gate failed, the ledger does not verify), 2 timed out (gate wait),
64 usage error. 503 answers are retried with backoff.
`;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // Offline proof checks take files, not API options: they never call the service.
  const [command, ...rest] = argv;
  if (isProofCommand(command)) return proofMain(command, rest, 64);
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
  });
  const flags = values as Flags;
  const [first, second, third] = positionals;
  const twoWord = first && second ? `${first} ${second}` : undefined;
  const name = twoWord && (eventCommands[twoWord] || OTHER_COMMANDS[twoWord]) ? twoWord : first;
  if (!name || (values.help && !name)) {
    process.stdout.write(help());
    return name ? 0 : values.help ? 0 : 64;
  }
  const spec = eventCommands[name] ?? OTHER_COMMANDS[name];
  if (!spec) throw new CliError(`unknown command '${positionals.join(' ')}'; see release-ledger --help`, 64);
  if (values.help) {
    process.stdout.write(`Usage: release-ledger ${spec.usage}\n  ${spec.summary}\n`);
    return 0;
  }
  const json = values.json === true;
  const out = (human: string, machine: unknown) =>
    process.stdout.write(json ? `${JSON.stringify(machine)}\n` : `${human}\n`);
  const api = apiClient({
    url: (typeof values.url === 'string' && values.url) || env.RELEASE_LEDGER_URL || 'http://127.0.0.1:3000',
    token: (typeof values.token === 'string' && values.token) || env.RELEASE_LEDGER_TOKEN,
    log: (line) => process.stderr.write(`release-ledger: ${line}\n`),
  });

  const eventCommand = eventCommands[name];
  if (eventCommand) {
    const ci = ciContext(env);
    const { type, id, data, time } = eventCommand.build(flags, ci, env);
    const response = await api('POST', '/v1/events', {
      specversion: '1.0',
      id,
      source: ci.source,
      type,
      ...(time ? { time } : {}),
      data,
    });
    failOnError(response, type);
    const event = (response.body as { event: { seq: number; stream: string } }).event;
    const replayed = response.headers.get('idempotent-replayed') === 'true';
    out(
      `${type} recorded as #${event.seq} in ${event.stream}${replayed ? ' (already recorded: replayed)' : ''}`,
      { ...event, replayed },
    );
    return 0;
  }

  switch (name) {
    case 'gate wait':
      return gateWait(
        api,
        third ?? (typeof values['deployment-id'] === 'string' ? values['deployment-id'] : undefined),
        flags,
        out,
      );
    case 'handoff': {
      const deploymentId =
        second ?? (typeof values['deployment-id'] === 'string' ? values['deployment-id'] : undefined);
      if (!deploymentId) throw new CliError('handoff needs a deployment id', 64);
      const response = await api('GET', `/v1/deployments/${encodeURIComponent(deploymentId)}/handoff`);
      failOnError(response, 'handoff');
      const { handoff } = response.body as { handoff: HandoffBriefing };
      out(handoffText(handoff), handoff);
      return 0;
    }
    case 'verify': {
      const response = await api('GET', '/v1/audit/verify');
      failOnError(response, 'verify');
      const result = response.body as {
        ok: boolean;
        checked: number;
        head?: { seq: number; hash: string };
        firstBadSeq?: number;
        reason?: string;
      };
      out(
        result.ok
          ? `ledger verified: ${result.checked} events, head #${result.head?.seq} ${result.head?.hash}`
          : `LEDGER DOES NOT VERIFY at seq ${result.firstBadSeq}: ${result.reason}`,
        result,
      );
      return result.ok ? 0 : 1;
    }
    case 'export': {
      const query = new URLSearchParams();
      for (const key of ['from', 'to', 'format'] as const)
        if (typeof values[key] === 'string') query.set(key, values[key] as string);
      const response = await api('GET', `/v1/audit/export?${query}`);
      failOnError(response, 'export');
      const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
      if (typeof values.output === 'string') writeFileSync(values.output, body);
      else process.stdout.write(body);
      return 0;
    }
    case 'metrics': {
      const query = new URLSearchParams();
      for (const key of ['service', 'team', 'environment', 'from', 'to'] as const) {
        if (typeof values[key] === 'string') query.set(key, values[key] as string);
      }
      const response = await api('GET', `/v1/metrics/dora?${query}`);
      failOnError(response, 'metrics');
      out(metricsTable(response.body as Record<string, Record<string, unknown>>), response.body);
      return 0;
    }
    case 'evidence': {
      const dir = required(flags, 'out');
      const pack = await fetchEvidence(api, {
        from: required(flags, 'from'),
        to: required(flags, 'to'),
        environment: typeof values.environment === 'string' ? values.environment : 'production',
        ...(typeof values.sample === 'string'
          ? { sample: values.sample, seed: required(flags, 'seed') }
          : {}),
      });
      writeEvidence(dir, pack);
      const { population } = pack.report;
      out(
        `evidence written to ${dir}: ${pack.report.items.length} changes (population ${population.count}, seqs #${population.fromSeq}..#${population.toSeq}), ${pack.events.length} entries with proofs at tree size ${population.treeSize}`,
        { dir, items: pack.report.items.length, population, entries: pack.events.length },
      );
      return 0;
    }
    case 'verify-evidence': {
      const dir = second ?? (typeof values.out === 'string' ? values.out : undefined);
      if (!dir) throw new CliError('verify-evidence needs the pack directory', 64);
      const verdict = verifyEvidence(readEvidence(dir), evidenceProofVerifier);
      out(
        [
          ...verdict.passed.map((line) => `  ✓ ${line}`),
          ...verdict.failures.map((line) => `  ✗ ${line}`),
          ...verdict.notes.map((line) => `  note: ${line}`),
          verdict.ok
            ? `evidence verified: ${dir}`
            : `EVIDENCE DOES NOT VERIFY: ${verdict.failures.length} failures`,
        ].join('\n'),
        verdict,
      );
      return verdict.ok ? 0 : 1;
    }
    case 'tokens create': {
      const response = await api('POST', '/v1/tokens', { role: required(flags, 'role') });
      failOnError(response, 'tokens create');
      const created = response.body as { token: string; tenant: string; role: string };
      out(created.token, created);
      return 0;
    }
    case 'tokens revoke': {
      const response = await api('POST', '/v1/tokens/revoke', { token: required(flags, 'token-to-revoke') });
      failOnError(response, 'tokens revoke');
      out('revoked', response.body);
      return 0;
    }
    default:
      throw new CliError(`unknown command '${name}'`, 64);
  }
}

async function gateWait(
  api: ReturnType<typeof apiClient>,
  deploymentId: string | undefined,
  flags: Flags,
  out: (human: string, machine: unknown) => void,
): Promise<number> {
  if (!deploymentId) throw new CliError('gate wait needs a deployment id', 64);
  const timeoutMs = duration(String(flags.timeout), 'timeout');
  const intervalMs = duration(String(flags.interval), 'interval');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api('GET', `/v1/deployments/${encodeURIComponent(deploymentId)}`);
    if (response.status !== 404) failOnError(response, 'gate wait');
    const gate = (
      response.body as {
        deployment?: {
          gate: { status: string; checks: { name: string; passed: boolean; detail: string }[] };
        };
      }
    )?.deployment?.gate;
    if (gate && (gate.status === 'passed' || gate.status === 'failed')) {
      const lines = gate.checks.map((c) => `  ${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`).join('\n');
      out(
        `gate ${gate.status} for ${deploymentId}${lines ? `\n${lines}` : ' (no policy: nothing to check)'}`,
        gate,
      );
      return gate.status === 'passed' ? 0 : 1;
    }
    if (Date.now() + intervalMs > deadline) {
      out(`gate for ${deploymentId} still ${gate?.status ?? 'unknown'} after ${flags.timeout}`, {
        status: gate?.status ?? null,
        timedOut: true,
      });
      return 2;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The briefing as an on-call engineer reads it in a terminal. */
function handoffText(h: HandoffBriefing): string {
  const list = (items: readonly string[]) => (items.length ? items.map((i) => `    ${i}`) : ['    none']);
  const commit = (c: unknown) => {
    const { sha, message, author } = c as { sha?: unknown; message?: unknown; author?: unknown };
    const who = typeof author === 'string' ? author : (author as { name?: string } | undefined)?.name;
    return `${String(sha).slice(0, 12)}${typeof message === 'string' ? ` ${message.split('\n')[0]}` : ''}${who ? ` (${who})` : ''}`;
  };
  const previous = h.whatChanged.previous;
  const target = h.rollback.target;
  const auto = h.rollback.autoRollback;
  const acks = h.handoff.acknowledgements;
  return [
    `Handoff for ${h.deploymentId}: ${h.service} ${h.version} to ${h.environment} (${h.status})`,
    '',
    `What changed (${h.whatChanged.changes.length} new of ${h.whatChanged.commits.length} commits)`,
    `  previously: ${previous ? `${previous.version} (${previous.deploymentId}, ${previous.finishedAt})` : 'nothing deployed here before'}`,
    ...list(h.whatChanged.changes.map(commit)),
    ...(h.whatChanged.notes ? [`  notes: ${h.whatChanged.notes}`] : []),
    '',
    'Open incidents',
    ...list(
      h.openIncidents.map(
        (i) => `${i.incidentId} ${i.severity}${i.title ? ` ${i.title}` : ''} (since ${i.openedAt})`,
      ),
    ),
    '',
    'Rollback',
    `  target: ${target ? `${target.version} (${target.deploymentId})` : 'no earlier version to return to'}`,
    `  auto-rollback: ${auto?.enabled ? `on for ${auto.severities.join(', ')} within ${auto.windowMinutes} min${auto.alarms.length ? `, alarms ${auto.alarms.join(', ')}` : ''}` : 'off'}`,
    '  triggers:',
    ...list(h.rollback.triggers.map((t) => JSON.stringify(t))),
    `  procedure: ${h.rollback.procedure ?? 'none given'}`,
    '',
    'Runbooks',
    ...list(h.runbooks),
    'Dashboards',
    ...list(h.dashboards),
    `Escalation: ${h.escalation ?? 'none given'}`,
    '',
    acks.length
      ? `Acknowledged by ${acks.map((a) => `${a.engineer} at ${a.at} (${a.scope})`).join(', ')}`
      : h.handoff.required
        ? 'NOT ACKNOWLEDGED: the gate waits for `release-ledger handoff ack`'
        : 'Not acknowledged (the policy does not require it)',
  ].join('\n');
}

/** `90s`, `10m`, `1h` or plain milliseconds. */
export function duration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`--${name} must look like 30s, 10m or 1h`, 64);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

function metricsTable(body: Record<string, Record<string, unknown>>): string {
  const row = (label: string, value: unknown, tier: unknown) =>
    `  ${label.padEnd(34)} ${String(value).padEnd(24)} ${tier ?? ''}`;
  const hours = (s: unknown) => (typeof s === 'number' ? `${(s / 3600).toFixed(1)} h` : 'n/a');
  const pct = (r: unknown) => (typeof r === 'number' ? `${(r * 100).toFixed(1)} %` : 'n/a');
  const f = body.deploymentFrequency ?? {};
  const l = body.leadTimeForChanges ?? {};
  const c = body.changeFailureRate ?? {};
  const r = body.failedDeploymentRecoveryTime ?? {};
  const w = body.deploymentReworkRate ?? {};
  return [
    row('metric', 'value', 'tier'),
    row('deployment frequency', `${f.count ?? 0} (${f.perWeek ?? 0}/week)`, f.tier),
    row('change lead time (median)', hours(l.medianSeconds), l.tier),
    row('change failure rate', pct(c.rate), c.tier),
    row('failed deployment recovery (median)', hours(r.medianSeconds), r.tier),
    row('deployment rework rate', pct(w.rate), ''),
    ...releaseHealthRows(body, row, hours, pct),
  ].join('\n');
}

/** Deploy ≠ release and release health, with their targets, when the API answers them. */
function releaseHealthRows(
  body: Record<string, Record<string, unknown>>,
  row: (label: string, value: unknown, tier: unknown) => string,
  hours: (s: unknown) => string,
  pct: (r: unknown) => string,
): string[] {
  const targets = (body.targets ?? {}) as Record<string, { below?: number; met?: boolean | null }>;
  const target = (name: string) => {
    const t = targets[name];
    if (!t) return '';
    return `target < ${pct(t.below)}${t.met === true ? ' (met)' : t.met === false ? ' (missed)' : ''}`;
  };
  const rows: string[] = [];
  const rf = body.releaseFrequency;
  if (rf) rows.push(row('release frequency', `${rf.count ?? 0} (${rf.perWeek ?? 0}/week)`, rf.tier));
  const lr = body.leadTimeToRelease;
  if (lr) rows.push(row('lead time to release (median)', hours(lr.medianSeconds), lr.tier));
  const rb = body.rollbackRate;
  if (rb)
    rows.push(
      row(
        'rollback rate',
        `${pct(rb.rate)} (${rb.rollbacks ?? 0} of ${rb.total ?? 0})`,
        target('rollbackRate'),
      ),
    );
  const av = body.postReleaseAlertVolume;
  if (av) {
    const ratio = typeof av.medianRatio === 'number' ? `×${av.medianRatio.toFixed(2)}` : 'n/a';
    rows.push(
      row(
        'post-release alerts (median ratio)',
        `${ratio}, ${pct(av.shareAboveBaseline)} above`,
        target('postReleaseAlertVolume'),
      ),
    );
  }
  return rows;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const cliError = error instanceof CliError ? error : new CliError((error as Error).message);
    process.stderr.write(`release-ledger: ${cliError.message}\n`);
    process.exit(cliError.exitCode);
  },
);
