import type { GateEvaluated } from '../events/decision-events.ts';
import type { GateEvaluationView } from './gate-evaluation.ts';

/**
 * What a pipeline is answered: the recorded verdict, except that a dry run always answers `passed`
 * (its real verdict stays in the ledger for the team to read).
 */
export function pipelineAnswer(decision: Pick<GateEvaluated, 'decision' | 'dryRun'>): 'passed' | 'failed' {
  return decision.dryRun === true ? 'passed' : decision.decision;
}

/** What a pipeline integration reports back: go or no-go, and a message naming why. */
export interface PipelineOutcome {
  readonly go: boolean;
  readonly message: string;
}

/**
 * The answer a pipeline integration (a CodePipeline rule, a GitHub protection rule) gives for an
 * evaluation: go only when the evaluation answered `passed` (a dry run always does), else no-go naming
 * every failing check. A gate that has not decided in the time the integration allows is a no-go that
 * says so: an undecided gate never approves. `limit` bounds the message (the integrations cap theirs).
 */
export function pipelineOutcome(
  view: Pick<GateEvaluationView, 'id' | 'status' | 'verdict' | 'dryRun' | 'checks'> | undefined,
  waitedSeconds: number,
  limit = 2000,
): PipelineOutcome {
  if (view === undefined || view.status === 'pending') {
    return {
      go: false,
      message: clip(
        `The release gate did not decide within ${waitedSeconds} s${view ? ` (evaluation ${view.id} is still pending)` : ''}; not approved. Ask again to re-evaluate.`,
        limit,
      ),
    };
  }
  const failing = view.checks.filter((check) => !check.passed);
  const list = failing.map((check) => `${check.name}: ${check.detail}`).join('; ');
  if (view.status === 'passed') {
    const dry =
      view.dryRun && view.verdict === 'failed'
        ? ` Dry run: the gate would have failed (${list}).`
        : view.dryRun
          ? ' Dry run.'
          : '';
    return { go: true, message: clip(`Release gate passed (evaluation ${view.id}).${dry}`, limit) };
  }
  return {
    go: false,
    message: clip(`Release gate failed (evaluation ${view.id}): ${list || 'no check passed'}.`, limit),
  };
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
