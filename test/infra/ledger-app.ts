import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readDeployContext } from '../../infra/aws/deploy-context.ts';
import { addLedgerStacks, type LedgerStacks } from '../../infra/aws/ledger-app.ts';
import type { FunctionName } from '../../infra/topology.ts';

export interface SynthesizedLedger extends LedgerStacks {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
  /** The logical id of a topology function's AWS::Lambda::Function. */
  logicalIdOf(name: FunctionName): string;
}

/**
 * The app as `cdk synth` builds it (same cdk.json context and feature flags) for stage `test`, without
 * bundling: synthesis takes a second and the templates differ only in the functions' code.
 */
export function synthesizeLedger(extraContext: Record<string, string> = {}): SynthesizedLedger {
  const cdkJson = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const app = new App({ context: { ...cdkJson.context, stage: 'test', ...extraContext } });
  const stacks = addLedgerStacks(
    app,
    readDeployContext((key) => app.node.tryGetContext(key)),
    { bundle: false },
  );
  return {
    app,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    statelessTemplate: Template.fromStack(stacks.stateless),
    logicalIdOf: (name) => {
      const fn = stacks.stateless.functions.get(name);
      if (!fn) throw new Error(`no function ${name}`);
      return stacks.stateless.getLogicalId(fn.function.node.defaultChild as CfnElement);
    },
  };
}

type Resources = Record<string, { Properties: Record<string, unknown> }>;

/** Resources of a type as [logicalId, properties] pairs. */
export function resourcesOf(template: Template, type: string): [string, Record<string, unknown>][] {
  return Object.entries(template.findResources(type) as Resources).map(([id, r]) => [id, r.Properties]);
}
