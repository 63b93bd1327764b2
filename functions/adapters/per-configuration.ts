import { type FunctionConfig, readConfig } from '../config.ts';

/**
 * What hosts the functions when it is not Lambda. On Lambda a process runs one function, so instances
 * are per configuration alone. The local runtime runs every function in one process: it keys instances
 * by function too (each Lambda function has its own containers, so its own stores, group commit and
 * memory), and puts its stand-in for IAM on every SDK client a function creates.
 */
export interface FunctionHost {
  /** The function running now, or undefined outside any function (the runtime's own work, tests). */
  readonly currentFunction: () => string | undefined;
  /** Sees every SDK client (its middleware stack) before its first use. */
  readonly onClient: (client: object) => void;
}

let host: FunctionHost | undefined;

/** Installs the host (the local runtime does, once); undefined on Lambda. */
export function setFunctionHost(next: FunctionHost | undefined): void {
  host = next;
}

/** An SDK client as the host hands it to functions: on Lambda, unchanged. */
export function hostedClient<C extends object>(client: C): C {
  host?.onClient(client);
  return client;
}

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

/**
 * Like `perConfiguration`, and per function where one process hosts several: for state a Lambda
 * container keeps to itself (stores with their group commit and append memory). Clients stay shared
 * per configuration; the host tells functions apart on each call.
 */
export function perContainer<T>(create: (config: FunctionConfig) => T): (config?: FunctionConfig) => T {
  const instances = new Map<string, T>();
  return (config = readConfig()) => {
    const key = `${host?.currentFunction() ?? ''}\u0000${JSON.stringify(config)}`;
    const existing = instances.get(key);
    if (existing !== undefined) return existing;
    const created = create(config);
    instances.set(key, created);
    return created;
  };
}
