import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Artifact, Pipeline, PipelineType, Result } from 'aws-cdk-lib/aws-codepipeline';
import { ManualApprovalAction, S3SourceAction } from 'aws-cdk-lib/aws-codepipeline-actions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { CodePipelineGateRule } from '../../infra/aws/codepipeline-gate-rule.ts';

/** A team's own pipeline stack: the ledger's gate function imported by the name the ledger stack outputs. */
function pipelineWithGate(dryRun?: boolean) {
  const stack = new Stack(new App(), 'TeamPipeline', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const gateFunction = LambdaFunction.fromFunctionName(stack, 'Gate', 'release-ledger-codePipelineGate');
  const gate = new CodePipelineGateRule({
    gateFunction,
    tenant: 'acme',
    service: 'api',
    environment: 'production',
    version: '#{SourceVariables.VersionId}',
    ...(dryRun === undefined ? {} : { dryRun }),
  });
  const source = new Artifact();
  const pipeline = new Pipeline(stack, 'Pipeline', {
    pipelineType: PipelineType.V2,
    stages: [
      {
        stageName: 'Source',
        actions: [
          new S3SourceAction({
            actionName: 'Source',
            bucket: new Bucket(stack, 'Sources'),
            bucketKey: 'api.zip',
            output: source,
            variablesNamespace: 'SourceVariables',
          }),
        ],
      },
      {
        stageName: 'Production',
        beforeEntry: { conditions: [{ rules: [gate.rule], result: Result.FAIL }] },
        actions: [new ManualApprovalAction({ actionName: 'Deploy' })],
      },
    ],
  });
  gate.grantInvoke(pipeline.role);
  return {
    template: Template.fromStack(stack),
    gate,
    functionName: stack.resolve(gateFunction.functionName),
  };
}

describe('CodePipelineGateRule', () => {
  it('given a V2 pipeline, when a stage has the gate in beforeEntry, then it is a LambdaInvoke rule naming the gate function with the evaluation as UserParameters', () => {
    const { template, gate, functionName } = pipelineWithGate();
    expect(JSON.parse(gate.userParameters)).toEqual({
      tenant: 'acme',
      service: 'api',
      environment: 'production',
      version: '#{SourceVariables.VersionId}',
    });
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      PipelineType: 'V2',
      Stages: Match.arrayWith([
        Match.objectLike({
          Name: 'Production',
          BeforeEntry: {
            Conditions: [
              {
                Result: 'FAIL',
                Rules: [
                  Match.objectLike({
                    Name: 'ReleaseGate',
                    RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'LambdaInvoke', Version: '1' },
                    Configuration: {
                      FunctionName: functionName,
                      UserParameters: gate.userParameters,
                    },
                  }),
                ],
              },
            ],
          },
        }),
      ]),
    });
  });

  it('given the rule, when it grants the pipeline, then the pipeline role may invoke the gate function and nothing more of it', () => {
    const { template } = pipelineWithGate();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'lambda:InvokeFunction',
            Resource: Match.arrayWith([
              Match.objectLike({
                'Fn::Join': Match.arrayWith([
                  Match.arrayWith([Match.stringLikeRegexp(':function:release-ledger-codePipelineGate')]),
                ]),
              }),
            ]),
          }),
        ]),
      },
    });
  });

  it('given dryRun, when the rule is built, then UserParameters asks for a dry run; giving both releaseId and version is refused', () => {
    expect(JSON.parse(pipelineWithGate(true).gate.userParameters).dryRun).toBe(true);
    const stack = new Stack();
    const gateFunction = LambdaFunction.fromFunctionName(stack, 'Gate', 'gate');
    expect(
      () =>
        new CodePipelineGateRule({
          gateFunction,
          tenant: 'acme',
          service: 'api',
          environment: 'production',
          releaseId: 'api-1',
          version: '1',
        }),
    ).toThrow(/exactly one of releaseId or version/);
  });
});
