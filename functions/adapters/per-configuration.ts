import { type FunctionConfig, readConfig } from '../config.ts';

/**
 * One instance per configuration, created on first use: Lambda reuses it across invocations of a
 * container, and the local runtime can run several isolated ledgers in one process.
 */
export function perConfiguration<T>(create: (config: FunctionConfig) => T): (config?: FunctionConfig) => T {
  const instances = new Map<string, T>();
  return (config = readConfig()) => {
    const key = JSON.stringify(config);
    const existing = instances.get(key);
    if (existing !== undefined) return existing;
    const created = create(config);
    instances.set(key, created);
    return created;
  };
}
