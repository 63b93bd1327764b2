/**
 * Routes whose writes re-check the caller's token in their own transaction (see `UnverifiedCaller`),
 * always: so the authorizer may pass them a grant it read earlier instead of reading it again (the one
 * read each append used to pay before its write), and a token revoked after the authorizer's read writes
 * nothing either way. Every other route gets a grant read for that request.
 */
export const WRITE_CHECKED_ROUTES: ReadonlySet<string> = new Set(['POST /v1/events']);
