import { createPrivateKey, sign } from 'node:crypto';
import { onGitHubApi } from '../../domain/webhooks/github-protection-rule.ts';

/** A tenant's GitHub App: its id and private key (PEM), which sign the app's JWTs. */
export interface GitHubAppCredentials {
  readonly appId: string;
  readonly privateKey: string;
}

const API_VERSION = '2022-11-28';

/**
 * The GitHub App JWT: RS256, `iss` the app id, issued 60 s in the past against clock drift and expiring
 * within GitHub's 10-minute limit.
 */
export function appJwt(app: GitHubAppCredentials, now: Date): string {
  const seconds = Math.floor(now.getTime() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: seconds - 60, exp: seconds + 540, iss: app.appId })}`;
  const signature = sign('RSA-SHA256', Buffer.from(unsigned), createPrivateKey(app.privateKey));
  return `${unsigned}.${signature.toString('base64url')}`;
}

/** GitHub's REST API as the protection rule needs it: an installation token, then the review. */
export class GitHubAppClient {
  constructor(private readonly apiUrl: string) {}

  /** `POST /app/installations/{id}/access_tokens`, authenticated as the app. */
  async installationToken(app: GitHubAppCredentials, installationId: number, now: Date): Promise<string> {
    const response = await fetch(new URL(`app/installations/${installationId}/access_tokens`, this.base()), {
      method: 'POST',
      headers: headers(appJwt(app, now)),
    });
    if (response.status !== 201)
      throw new Error(
        `GitHub answered ${response.status} for an installation token: ${await response.text()}`,
      );
    const { token } = (await response.json()) as { token?: unknown };
    if (typeof token !== 'string') throw new Error('GitHub answered no installation token');
    return token;
  }

  /**
   * Posts the review to the delivery's `deployment_callback_url`, which must be on this API (anything
   * else is refused: the ledger never sends a token to a URL a payload chose).
   */
  async review(callbackUrl: string, token: string, body: Record<string, unknown>): Promise<void> {
    if (!onGitHubApi(callbackUrl, this.apiUrl))
      throw new Error(`the callback URL ${callbackUrl} is not on the GitHub API ${this.apiUrl}`);
    const url = new URL(callbackUrl);
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 204 && response.status !== 200)
      throw new Error(`GitHub answered ${response.status} to the review: ${await response.text()}`);
  }

  private base(): URL {
    return new URL(this.apiUrl.endsWith('/') ? this.apiUrl : `${this.apiUrl}/`);
  }
}

function headers(bearer: string): Record<string, string> {
  return {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${bearer}`,
    'x-github-api-version': API_VERSION,
    'user-agent': 'release-ledger',
  };
}
