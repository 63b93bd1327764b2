import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';

let dynamoDb: RunningDynamoDbLocal;
beforeAll(async () => {
  dynamoDb = await startDynamoDbLocal();
}, 120_000);

afterAll(async () => {
  await dynamoDb?.stop();
});

/** The local addresses of the sockets listening on `port`, from the kernel's tables (as `ss -ltn` shows). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].filter(existsSync).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // local_address is ADDRESS:PORT in hex; state 0A is LISTEN.
      .filter((fields) => fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A')
      .map((fields) => String(fields[1]).split(':')[0] ?? ''),
  );
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('DynamoDB Local as npm start runs it (no authentication)', () => {
  it('listens on the loopback interface only', async () => {
    const addresses = listeningAddresses(dynamoDb.port);
    expect(addresses.length).toBeGreaterThan(0);
    // 127.0.0.1 in /proc/net/tcp, or as an IPv4-mapped address in /proc/net/tcp6; never the any address.
    for (const address of addresses) {
      expect(['0100007F', '0000000000000000FFFF00000100007F']).toContain(address);
    }
    expect(await reachable('127.0.0.1', dynamoDb.port)).toBe(true);
  });

  it('refuses connections to the machine’s other addresses', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address && !address.internal && address.family === 'IPv4')
      .map((address) => address?.address as string);
    for (const host of external) expect(await reachable(host, dynamoDb.port), host).toBe(false);
  });
});
