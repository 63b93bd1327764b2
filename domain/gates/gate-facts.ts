import type { StoredEvent } from '../ledger/ledger-event.ts';
import type { Policy } from '../policies/policy.ts';

/** The deployment request a gate answers. */
export interface GateRequest {
  readonly deploymentId: string;
  readonly releaseId: string | null;
  readonly service: string | null;
  readonly environment: string;
  /** The request's position: the decision only sees what the ledger held before it. */
  readonly seq: number;
  /** When the request was recorded: the instant the gate judges ("may it go now?"). */
  readonly recordedAt: string;
  /** The request asked for a dry run (`dryRun: true` on `deployment.requested`). @default false */
  readonly dryRun?: boolean;
  /** The evaluation this request is (`POST /v1/gates/evaluations`). @default none */
  readonly evaluationId?: string;
}

/**
 * Everything a gate decision depends on, read from the ledger up to the request. Because the facts
 * stop at the request's seq and the instant is the request's recording time, evaluating the same request
 * twice (a duplicate or late bus delivery) gives the same decision, byte for byte.
 */
export interface GateFacts {
  readonly request: GateRequest;
  readonly policy: { readonly policy: Policy; readonly version: string } | undefined;
  /** The release's history: its deployments in every environment, approvals and test runs. */
  readonly releaseEvents: readonly StoredEvent[];
  /**
   * Test runs tied to the release by any rule (`explicit`, `chain`, `artifact`; see
   * domain/views/release-links.ts), before the request. Absent: the release's own runs only.
   */
  readonly linkedTestRuns?: readonly StoredEvent[];
  /**
   * The deployment's own history before the request (its handoffs), read when the policy asks for an
   * on-call handoff. Absent: none.
   */
  readonly deploymentEvents?: readonly StoredEvent[];
  /** The service's history in the target environment: deployments, incidents. */
  readonly serviceEvents: readonly StoredEvent[];
  /** Incidents of the service in the environment that were resolved before the request. */
  readonly resolvedIncidents: ReadonlySet<string>;
}

/** Keeps only events recorded before the request, whatever the bus delivered first. */
export function before(seq: number, events: readonly StoredEvent[]): StoredEvent[] {
  return events.filter((event) => event.seq < seq);
}
