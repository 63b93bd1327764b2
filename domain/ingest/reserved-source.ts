import { LEDGER_SOURCE } from '../ledger/append-plan.ts';
import type { FieldIssue } from './field-issues.ts';

/**
 * The ledger's own source is refused on every way in, so no client can record an event as the ledger.
 * Kept apart from event normalisation so the webhook function does not bundle the CDEvents mapping.
 */
export function reservedSourceIssues(source: string, path: (string | number)[]): FieldIssue[] {
  return source.trim().toLowerCase() === LEDGER_SOURCE
    ? [
        {
          path,
          message: `'${LEDGER_SOURCE}' is reserved for events the ledger records itself; use your own source`,
        },
      ]
    : [];
}
