import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { sigV4 } from '../../../../functions/adapters/codepipeline-job-results.ts';

/** The SDK's own signer (a transitive dependency of every AWS SDK client) as the reference. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

describe('SigV4 of a CodePipeline job result', () => {
  it('given the same request, credentials and instant, when signed, then the signature is the one the AWS SDK signer computes', async () => {
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken: 'session-token-example',
    };
    const now = new Date('2026-12-03T12:00:00Z');
    const url = new URL('https://codepipeline.eu-west-1.amazonaws.com/');
    const body = JSON.stringify({ jobId: 'job-1', executionDetails: { summary: 'passed' } });
    const headers = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'CodePipeline_20150709.PutJobSuccessResult',
    };
    const ours = sigV4({
      url,
      region: 'eu-west-1',
      service: 'codepipeline',
      body,
      headers,
      credentials,
      now,
    });

    const reference = await new SignatureV4({
      service: 'codepipeline',
      region: 'eu-west-1',
      credentials,
      sha256: NodeSha256,
      // The SDK adds x-amz-content-sha256 only for S3-style services; CodePipeline's clients do not send it.
      applyChecksum: false,
    }).sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: url.hostname,
        path: '/',
        headers: { ...headers, host: url.host },
        body,
      },
      { signingDate: now },
    );
    expect(ours.authorization).toBe(reference.headers.authorization);
    expect(ours['x-amz-security-token']).toBe('session-token-example');
    expect(ours['x-amz-date']).toBe('20261203T120000Z');
  });
});
