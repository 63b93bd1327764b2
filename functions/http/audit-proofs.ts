import { TreeSizeError } from '../adapters/dynamodb-merkle-tree.ts';
import { badRequest } from './http-error.ts';

export { ConsistencyQuerySchema, InclusionQuerySchema } from './audit-proof-query.ts';
/** A size the latest checkpoint does not cover is the caller's error, on the parameter it named. */
export async function sizeChecked<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TreeSizeError) {
      throw badRequest('invalid query parameters', [
        { path: ['query', error.field], message: error.message },
      ]);
    }
    throw error;
  }
}
