import { resolve } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nodejsBundling, REPO_ROOT } from './bundling.ts';

export interface LedgerFunctionProps {
  /** Source file exporting `handler`, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  /** Environment variables (the names `functions/config.ts` reads). */
  readonly environment: Readonly<Record<string, string>>;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** How long the function's logs are kept. @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /**
   * Caps concurrent executions, for functions whose bursts would only contend on the ledger head.
   * @default - no reservation (the account's unreserved pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Bundle the entry with esbuild. Assertion tests turn this off to synthesise in a second; the
   * template is the same but for the code (an inline stub).
   * @default true
   */
  readonly bundle?: boolean;
  /**
   * Files copied next to the bundle after esbuild runs (`from` relative to the repository root, `to`
   * relative to the bundle), for functions that read them at run time. @default none
   */
  readonly staticAssets?: readonly { readonly from: string; readonly to: string }[];
}

/**
 * The one place a ledger function's defaults live: nodejs22.x on arm64, bundled and minified by the local
 * esbuild with source maps, JSON logs in its own log group with a retention, active tracing, and a role
 * that starts with nothing but writing its own logs (each caller adds exactly what the function uses).
 */
export class LedgerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LedgerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      // Operational logs go with the stack; the ledger itself is the record that is retained.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Instead of AWSLambdaBasicExecutionRole (which may write to any log group in the account).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      // IAM descriptions take Latin-1 only; topology descriptions use arrows and typographic quotes.
      description: latin1(`Release Ledger: ${props.description}`),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const bundle = props.bundle ?? true;
    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      // Stack traces through the minified bundle point at the TypeScript sources.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      ...(bundle
        ? {
            entry: resolve(REPO_ROOT, props.entry),
            depsLockFilePath: resolve(REPO_ROOT, 'package-lock.json'),
            projectRoot: REPO_ROOT,
            bundling: { ...nodejsBundling(), ...copyAfterBundling(props.staticAssets ?? []) },
          }
        : {
            code: Code.fromInline('export const handler = async () => undefined;'),
            handler: 'index.handler',
          }),
    });
    const pinned =
      'nodejs22.x is the runtime the project targets and tests (Node 22 LTS, supported on Lambda until 2027); ' +
      'moving to a newer runtime is a deliberate upgrade with its own test run, not a side effect of a linter update.';
    Validations.of(this.function).acknowledge(
      { id: 'AwsSolutions-L1', reason: pinned },
      { id: 'Serverless-LambdaLatestVersion', reason: pinned },
    );
  }
}

/** esbuild bundles code only; files a function reads at run time are copied in afterwards. */
function copyAfterBundling(assets: readonly { readonly from: string; readonly to: string }[]) {
  if (assets.length === 0) return {};
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        assets.flatMap(({ from, to }) => [
          `mkdir -p "${outputDir}/${to}"`,
          `cp -R "${inputDir}/${from}/." "${outputDir}/${to}/"`,
        ]),
    },
  };
}

/** IAM descriptions accept Latin-1 only. */
function latin1(text: string): string {
  return text
    .replace(/→/g, '->')
    .replace(/[‘’]/g, "'")
    .replace(/[^\t\n\r\x20-\x7E\xA1-\xFF]/g, '?');
}
