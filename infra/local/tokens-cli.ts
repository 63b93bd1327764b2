import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RoleSchema, TenantSchema } from '../../domain/auth/roles.ts';
import { DynamoDbTokenStore, generateToken } from '../../functions/adapters/dynamodb-token-store.ts';
import { readConfig } from '../../functions/config.ts';

const HELP = `Create and revoke API tokens (only their SHA-256 hashes are stored).

Usage:
  npm run tokens -- create --tenant <tenant> --role <writer|reader|admin> [--token <value>]
  npm run tokens -- revoke --token <value>

Talks to the state table named by LEDGER_STATE_TABLE (default release-ledger-state) at
LEDGER_DYNAMODB_ENDPOINT (default http://127.0.0.1:\${LEDGER_DYNAMODB_PORT:-8000}, the local runtime's
DynamoDB Local). Set LEDGER_DYNAMODB_ENDPOINT= (empty) and AWS credentials to manage tokens on AWS.
Prints the token once on create; it cannot be recovered later.
`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      role: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const env = { ...process.env };
  if (env.LEDGER_DYNAMODB_ENDPOINT === undefined) {
    env.LEDGER_DYNAMODB_ENDPOINT = `http://127.0.0.1:${env.LEDGER_DYNAMODB_PORT || 8000}`;
  }
  const config = readConfig(env);
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoDbEndpoint
      ? { endpoint: config.dynamoDbEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  const store = new DynamoDbTokenStore({
    client: DynamoDBDocumentClient.from(client),
    stateTable: config.stateTable,
  });
  try {
    if (command === 'create') {
      const tenant = TenantSchema.safeParse(values.tenant);
      const role = RoleSchema.safeParse(values.role);
      if (!tenant.success) return usage(`--tenant: ${tenant.error.issues[0]?.message ?? 'required'}`);
      if (!role.success) return usage('--role must be writer, reader or admin');
      const token = values.token ?? generateToken();
      if (token.length < 16) return usage('--token needs at least 16 characters');
      await store.grant(token, { tenant: tenant.data, role: role.data });
      console.log(values.json ? JSON.stringify({ token, tenant: tenant.data, role: role.data }) : token);
      return 0;
    }
    if (command === 'revoke') {
      if (!values.token) return usage('--token is required');
      const existed = await store.revoke(values.token);
      console.log(values.json ? JSON.stringify({ revoked: existed }) : existed ? 'revoked' : 'no such token');
      return existed ? 0 : 1;
    }
    return usage(`unknown command '${command}'`);
  } catch (error) {
    console.error(`tokens: ${(error as Error).message}`);
    return 1;
  } finally {
    client.destroy();
  }
}

function usage(message: string): number {
  console.error(`tokens: ${message}\n\n${HELP}`);
  return 2;
}

main().then((code) => process.exit(code));
