import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * cdk-nag's AwsSolutions and Serverless packs, run by CDK's validation step at the end of synthesis (the
 * Aspects API is gone in cdk-nag 3). An unacknowledged error fails synthesis; each acknowledgement sits
 * next to the resource it concerns, with its reason, and is written into the template's metadata.
 */
export function addCompliancePacks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
}
