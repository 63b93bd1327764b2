/**
 * A failing field as the API reports it. Kept apart from event normalisation so a handler that only
 * validates query parameters does not bundle every event schema.
 */
export interface FieldIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** zod issue paths are PropertyKey[]; the API reports strings and numbers only. */
export function zodIssues(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  prefix: (string | number)[] = [],
): FieldIssue[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))],
    message: issue.message,
  }));
}
