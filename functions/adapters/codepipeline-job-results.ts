import { createHash, createHmac } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';

/** How a CodePipeline job (an invoke action's, or a LambdaInvoke rule's) is told its result. */
export interface PipelineJobResults {
  succeed(jobId: string, summary: string, externalExecutionId: string): Promise<void>;
  /** `type` is CodePipeline's FailureType: `JobFailed` for a no-go, `ConfigurationError` for bad parameters. */
  fail(
    jobId: string,
    type: 'JobFailed' | 'ConfigurationError',
    message: string,
    externalExecutionId?: string,
  ): Promise<void>;
}

export interface CodePipelineJobResultsProps {
  readonly region: string;
  /** @default `https://codepipeline.<region>.amazonaws.com` (set locally to a stand-in) */
  readonly endpoint?: string | undefined;
  /** @default the environment's (AWS_ACCESS_KEY_ID, …), as Lambda sets them */
  readonly credentials?: () => Promise<Credentials>;
}

interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

const TARGET_PREFIX = 'CodePipeline_20150709';

/**
 * PutJobSuccessResult / PutJobFailureResult over CodePipeline's JSON 1.1 protocol, signed with SigV4 by
 * hand: the repository does not depend on `@aws-sdk/client-codepipeline`, and these two calls are all
 * the gate needs. Credentials come from the environment, as Lambda hands them to every function.
 */
export class CodePipelineJobResults implements PipelineJobResults {
  private readonly endpoint: URL;
  private readonly credentials: () => Promise<Credentials>;

  constructor(private readonly props: CodePipelineJobResultsProps) {
    this.credentials = props.credentials ?? fromEnv();
    this.endpoint = new URL(props.endpoint ?? `https://codepipeline.${props.region}.amazonaws.com/`);
  }

  async succeed(jobId: string, summary: string, externalExecutionId: string): Promise<void> {
    await this.call('PutJobSuccessResult', {
      jobId,
      executionDetails: { summary: summary.slice(0, 2048), externalExecutionId, percentComplete: 100 },
    });
  }

  async fail(
    jobId: string,
    type: 'JobFailed' | 'ConfigurationError',
    message: string,
    externalExecutionId?: string,
  ): Promise<void> {
    await this.call('PutJobFailureResult', {
      jobId,
      failureDetails: {
        type,
        message: message.slice(0, 5000),
        ...(externalExecutionId ? { externalExecutionId } : {}),
      },
    });
  }

  private async call(operation: string, input: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(input);
    const credentials = await this.credentials();
    const headers = sigV4({
      url: this.endpoint,
      region: this.props.region,
      service: 'codepipeline',
      body,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${TARGET_PREFIX}.${operation}`,
      },
      credentials,
      now: new Date(),
    });
    const response = await fetch(this.endpoint, { method: 'POST', headers, body });
    if (!response.ok)
      throw new Error(`CodePipeline ${operation} answered ${response.status}: ${await response.text()}`);
  }
}

interface SignInput {
  readonly url: URL;
  readonly region: string;
  readonly service: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly credentials: Credentials;
  readonly now: Date;
}

/** AWS Signature Version 4 of a POST to the endpoint's path (no query): the headers to send. */
export function sigV4(input: SignInput): Record<string, string> {
  const amzDate = input.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.url.host,
    'x-amz-date': amzDate,
    ...(input.credentials.sessionToken ? { 'x-amz-security-token': input.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()]));
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    'POST',
    input.url.pathname || '/',
    '',
    names.map((name) => `${name}:${lower[name]}\n`).join(''),
    signedHeaders,
    hex(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonicalRequest)].join('\n');
  const key = [day, input.region, input.service, 'aws4_request'].reduce<Buffer | string>(
    (k, part) => hmac(k, part),
    `AWS4${input.credentials.secretAccessKey}`,
  );
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

const hex = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
