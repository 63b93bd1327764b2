import type { PipelineOutcome } from '../gates/pipeline-answer.ts';

/** Where a `deployment.requested` from a GitHub protection rule is answered (its `githubReview`). */
export interface ReviewTarget {
  readonly callbackUrl: string;
  readonly installationId: number;
}

/** The review target a request carries, if it came from a `deployment_protection_rule` delivery. */
export function reviewTargetOf(data: Readonly<Record<string, unknown>>): ReviewTarget | undefined {
  const review = data.githubReview as Record<string, unknown> | undefined;
  if (typeof review !== 'object' || review === null) return undefined;
  const { callbackUrl, installationId } = review;
  return typeof callbackUrl === 'string' && typeof installationId === 'number'
    ? { callbackUrl, installationId }
    : undefined;
}

/**
 * Whether a callback URL is on the GitHub API the ledger is configured with (same origin, under its
 * path): the ledger sends an installation token there, so never to a URL a payload chose elsewhere.
 */
export function onGitHubApi(candidate: string, apiUrl: string): boolean {
  try {
    const url = new URL(candidate);
    const base = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
    return url.origin === base.origin && url.pathname.startsWith(base.pathname);
  } catch {
    return false;
  }
}

/** The body GitHub's "Review custom deployment protection rules" endpoint takes. */
export function protectionRuleReview(environment: string, outcome: PipelineOutcome) {
  return {
    environment_name: environment,
    state: outcome.go ? ('approved' as const) : ('rejected' as const),
    comment: outcome.message,
  };
}
