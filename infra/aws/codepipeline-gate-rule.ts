import { Rule } from 'aws-cdk-lib/aws-codepipeline';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/** What the gate judges for a stage; the same fields as `POST /v1/gates/evaluations`, plus the tenant. */
export interface CodePipelineGateRuleProps {
  /** The ledger's `codePipelineGate` function (stack output `CodePipelineGateFunctionName`). */
  readonly gateFunction: IFunction;
  /** The ledger tenant whose gate decides. */
  readonly tenant: string;
  readonly service: string;
  readonly environment: string;
  /** The release by id; pipeline variables work (`#{SourceVariables.CommitId}`). One of this or `version`. */
  readonly releaseId?: string;
  /** The release by its service's version. One of this or `releaseId`. */
  readonly version?: string;
  /** The deployment the stage will report, so its start finds the passed gate. @default the evaluation id */
  readonly deploymentId?: string;
  /** Record the real verdict but let the stage in. @default false */
  readonly dryRun?: boolean;
  /** The rule's name in the condition. @default 'ReleaseGate' */
  readonly ruleName?: string;
}

/**
 * A CodePipeline V2 `LambdaInvoke` rule that asks the release ledger's gate, for a stage's `beforeEntry`
 * condition (result `FAIL`): the stage is entered only when the gate answered passed. `grantInvoke` gives
 * the pipeline's role the `lambda:InvokeFunction` the rule needs.
 */
export class CodePipelineGateRule {
  /** The rule to put in `beforeEntry: { conditions: [{ rules: [rule.rule], result: Result.FAIL }] }`. */
  readonly rule: Rule;
  /** Exactly what the function receives as `UserParameters`. */
  readonly userParameters: string;

  constructor(private readonly props: CodePipelineGateRuleProps) {
    if ((props.releaseId === undefined) === (props.version === undefined))
      throw new Error('CodePipelineGateRule: give exactly one of releaseId or version');
    this.userParameters = JSON.stringify({
      tenant: props.tenant,
      service: props.service,
      environment: props.environment,
      ...(props.releaseId !== undefined ? { releaseId: props.releaseId } : {}),
      ...(props.version !== undefined ? { version: props.version } : {}),
      ...(props.deploymentId !== undefined ? { deploymentId: props.deploymentId } : {}),
      ...(props.dryRun ? { dryRun: true } : {}),
    });
    this.rule = new Rule({
      name: props.ruleName ?? 'ReleaseGate',
      provider: 'LambdaInvoke',
      version: '1',
      configuration: {
        FunctionName: props.gateFunction.functionName,
        UserParameters: this.userParameters,
      },
    });
  }

  /** Lets the pipeline (its role) invoke the gate function. */
  grantInvoke(pipeline: IGrantable): void {
    this.props.gateFunction.grantInvoke(pipeline);
  }
}
