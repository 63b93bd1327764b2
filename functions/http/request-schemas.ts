import * as z from 'zod';
import { RoleSchema } from '../../domain/auth/roles.ts';
import { doraMetricNames } from '../../domain/dora/evidence.ts';
import { releaseMetricNames } from '../../domain/dora/release-metrics.ts';
import { DoraQuerySchema } from './dora-query.ts';
import { LimitSchema, TimeWindowQuerySchema } from './query-params.ts';

/**
 * The query and body schemas the handlers parse, which the OpenAPI document also describes. They live
 * here rather than next to their handlers so the contract (and with it get-openapi and get-static-file)
 * does not import the handlers, whose module-level middy wrappers would pull the AWS SDK into bundles
 * that never call AWS.
 */

/** POST /v1/tokens */
export const TokenCreateBodySchema = z.strictObject({ role: RoleSchema });

/** POST /v1/tokens/revoke */
export const TokenRevokeBodySchema = z.strictObject({ token: z.string().min(1).max(512) });

/** GET /v1/events */
export const LedgerQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: LimitSchema,
});

/** GET /v1/releases/{releaseId}/events: `after` is a position in the release's stream, as `next` gives. */
export const StreamQuerySchema = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: LimitSchema.default(1000),
});

/** GET /v1/releases */
export const ReleaseListQuerySchema = TimeWindowQuerySchema.extend({
  service: z.string().min(1).max(256).optional(),
});

const seq = z.coerce.number().int().min(1);
/** GET /v1/audit/export */
export const ExportQuerySchema = z
  .object({ from: seq.default(1), to: seq.optional(), format: z.enum(['jsonl', 'csv']).default('jsonl') })
  .refine((q) => q.to === undefined || q.to >= q.from, {
    path: ['to'],
    message: 'to must not be before from',
  });

/** GET /v1/metrics/dora/evidence */
export const DoraEvidenceQuerySchema = z.intersection(
  DoraQuerySchema,
  z.object({
    metric: z.enum([...doraMetricNames, ...releaseMetricNames]),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** The position to continue from, as returned in `next`. */
    cursor: z.coerce.number().int().min(0).default(0),
  }),
);

/** PUT /v1/integrations/github-app: the app's id and its private key (PEM, as GitHub downloads it). */
export const GitHubAppBodySchema = z.strictObject({
  appId: z.union([z.number().int().positive(), z.string().regex(/^[1-9][0-9]{0,19}$/)]).transform(String),
  privateKey: z
    .string()
    .max(16_384)
    .refine((pem) => /^-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem.trim()), 'must be a PEM private key'),
});

// Short shared secrets can be brute-forced offline from one captured signature.
const secret = z.string().min(16, 'must be at least 16 characters').max(512);
const environment = z.string().trim().min(1).max(256);

/** PUT /v1/webhooks/{provider}/secret. Strict, so a misspelt field is refused with its path instead of silently ignored. */
export const WebhookSecretBodySchemas = {
  github: z.strictObject({ secret }),
  gitlab: z.strictObject({ secret }),
  pagerduty: z.strictObject({ secret, environment: environment.optional() }),
  flux: z.strictObject({ secret, environment: environment.optional() }),
  // The bearer credential of Alertmanager's `http_config.authorization`, and the labels placing an alert.
  alertmanager: z.strictObject({
    secret,
    serviceLabel: environment.optional(),
    environmentLabel: environment.optional(),
    environment: environment.optional(),
  }),
  // The secret LaunchDarkly signs deliveries with (`X-LD-Signature`), set when the webhook is created.
  launchdarkly: z.strictObject({ secret }),
} as const;
