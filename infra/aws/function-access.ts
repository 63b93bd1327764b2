import { Aws } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  type Access,
  accessGrants,
  type GrantConditions,
  type LedgerResource,
  REGION_PLACEHOLDER,
} from '../function-access.ts';

export { type Access, DEFAULT_ACCESS, functionAccess } from '../function-access.ts';

/** The ARNs of the resources a grant names (tokens while synthesizing). */
export type LedgerResources = {
  readonly [R in LedgerResource as `${R}Arn`]: string;
};

/**
 * The IAM statements that grant exactly `access` (declared in infra/function-access.ts, which the local
 * runtime enforces too) — a pure function of the access and the resource ARNs.
 */
export function accessStatements(access: readonly Access[], resources: LedgerResources): PolicyStatement[] {
  return accessGrants(access).map(
    (grant) =>
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...grant.actions],
        resources: grant.resources.map(({ resource, path }) => `${resources[`${resource}Arn`]}${path ?? ''}`),
        ...(grant.conditions ? { conditions: withRegion(grant.conditions) } : {}),
      }),
  );
}

function withRegion(conditions: GrantConditions): Record<string, Record<string, string | string[]>> {
  const render = (value: string) => value.split(REGION_PLACEHOLDER).join(Aws.REGION);
  return Object.fromEntries(
    Object.entries(conditions).map(([operator, keys]) => [
      operator,
      Object.fromEntries(
        Object.entries(keys).map(([key, value]) => [
          key,
          typeof value === 'string' ? render(value) : value.map(render),
        ]),
      ),
    ]),
  );
}
