/**
 * Whether an event finishes a deployment successfully: `deployment.succeeded`, or a progressive
 * deployment taking all traffic (`deployment.progressed` at weight 100, issue 20). Gates, rollback and
 * triggers read success through this, as DORA does, so a canary that reaches 100 % and never reports
 * `succeeded` is still a deployment that happened.
 */
export function finishesDeployment(event: { readonly type: string; readonly data: unknown }): boolean {
  if (event.type === 'deployment.succeeded') return true;
  return (
    event.type === 'deployment.progressed' && (event.data as { weight?: unknown } | null)?.weight === 100
  );
}
