import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { median, round } from './stats.ts';

/** What one request costs on the engine the run uses, beside the queries measured on it. */
export interface EngineFloor {
  /** A bare GetItem of a missing key, one at a time. */
  readonly getItemMsP50: number;
  /** Four such GetItems sent together: about 4× one when the engine serves requests one at a time. */
  readonly parallel4MsP50: number;
}

/** Counts every request the client sends (each page, each BatchGet round), for a query's request count. */
export function countRequests(client: DynamoDBClient): { requests: number } {
  const counter = { requests: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counter.requests += 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchRequestCounter' },
  );
  return counter;
}

export async function engineFloor(
  documents: DynamoDBDocumentClient,
  table: string,
  samples = 200,
): Promise<EngineFloor> {
  const get = () => documents.send(new GetCommand({ TableName: table, Key: { pk: 'floor#get', sk: '0' } }));
  const timed = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    return round(median(times));
  };
  await timed(get);
  return {
    getItemMsP50: await timed(get),
    parallel4MsP50: await timed(() => Promise.all([get(), get(), get(), get()])),
  };
}
