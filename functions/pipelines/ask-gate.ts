import {
  evaluationRequest,
  evaluationView,
  type GateEvaluationBody,
  type GateEvaluationView,
} from '../../domain/gates/gate-evaluation.ts';
import { streamName } from '../../domain/ledger/streams.ts';
import type { EventStore } from '../../domain/ports/event-store.ts';

/**
 * Records an evaluation (a replay when it was recorded before: integrations derive its id from their own
 * delivery or job id) and waits for the gate's decision until `deadline`. Undefined view means the
 * request itself could not be read back, which cannot happen once the append succeeded.
 */
export async function askGate(
  store: EventStore,
  tenant: string,
  evaluationId: string,
  body: GateEvaluationBody,
  deadline: number,
  pollMs = 250,
): Promise<GateEvaluationView | undefined> {
  await store.appendEvents(tenant, [evaluationRequest(evaluationId, body)]);
  for (;;) {
    const view = evaluationView(
      evaluationId,
      await store.readStream(tenant, streamName('evaluation', evaluationId)),
    );
    if (view?.status !== 'pending' || Date.now() + pollMs > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
