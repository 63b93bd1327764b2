/** Everything a deployment may vary, read from CDK context (`-c stage=prod`), never from code edits. */
export interface DeployContext {
  /** Names every stack and resource, so stages can share an account. */
  readonly stage: string;
  /** Pins the stacks to an account and region; both or neither. Without them the stacks are env-agnostic. */
  readonly env: { readonly account: string; readonly region: string } | undefined;
  /** Where alarm notifications are e-mailed, if anywhere (the topic is there either way). */
  readonly alarmEmail: string | undefined;
  /** Object Lock retention of each signed digest. */
  readonly digestRetentionDays: number;
  /** Whether rule and schedule targets get reserved concurrency (new accounts may have too little). */
  readonly reserveConcurrency: boolean;
}

/** Compliance-mode locks cannot be lifted, so only prod keeps digests for years by default. */
const DIGEST_RETENTION_DAYS = { prod: 2557, other: 1 } as const;

/** Reads and checks the context; `get` is `app.node.tryGetContext`. */
export function readDeployContext(get: (key: string) => unknown): DeployContext {
  const stage = text(get('stage')) ?? 'dev';
  // At most 12 characters: the digest bucket's name holds the stage, the account and the region in S3's 63.
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(stage)) {
    throw new Error(`context stage '${stage}' must be lowercase letters, digits and dashes (at most 12)`);
  }
  const account = text(get('account'));
  const region = text(get('region'));
  if ((account === undefined) !== (region === undefined)) {
    throw new Error('give both -c account=... and -c region=..., or neither for env-agnostic stacks');
  }
  const retention = get('digestRetentionDays');
  const digestRetentionDays =
    retention === undefined
      ? stage === 'prod'
        ? DIGEST_RETENTION_DAYS.prod
        : DIGEST_RETENTION_DAYS.other
      : Number(retention);
  if (!Number.isInteger(digestRetentionDays) || digestRetentionDays < 1) {
    throw new Error(
      `context digestRetentionDays must be a positive whole number of days, not '${String(retention)}'`,
    );
  }
  return {
    stage,
    env: account && region ? { account, region } : undefined,
    alarmEmail: text(get('alarmEmail')),
    digestRetentionDays,
    reserveConcurrency: String(get('reserveConcurrency') ?? 'true') !== 'false',
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
