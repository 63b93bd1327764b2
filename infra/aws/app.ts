import { App } from 'aws-cdk-lib';
import { addCompliancePacks } from './compliance.ts';
import { readDeployContext } from './deploy-context.ts';
import { addLedgerStacks } from './ledger-app.ts';

// `npx cdk synth|deploy --all [-c stage=prod] [-c account=... -c region=...]` (see cdk.json and the README).
const app = new App();
addLedgerStacks(
  app,
  readDeployContext((key) => app.node.tryGetContext(key)),
);
addCompliancePacks(app);
app.synth();
