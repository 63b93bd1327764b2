/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles only (an esbuild alias in
 * infra/aws/bundling.ts); the local runtime and the tests keep the SDK's own chain.
 *
 * Lambda always hands a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, which is the first link of the SDK's default chain. The other links (SSO, ini
 * profiles, credential processes, web identity, container and instance metadata) can never apply there,
 * yet they cost every bundle about 125 KB, mostly the nested STS/SSO clients they construct.
 *
 * Same export name and signature as the module it replaces: the clients' runtimeConfig imports
 * `defaultProvider` and calls it with the client configuration. Unlike the chain it is not memoised, so
 * the environment is read at each signature: a few property reads, and never stale.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
