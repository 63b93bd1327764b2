/**
 * Runs one part of the benchmark; a part that throws is recorded in `failures` under its label (with the
 * error's first line) instead of aborting the run, so the parts that did run still reach the results.
 */
export async function attemptPart<T>(
  failures: Record<string, string>,
  label: string,
  run: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const reason = firstLine(error);
    failures[label] = reason;
    process.stderr.write(`  ${label} could not run: ${reason}\n`);
    return undefined;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').find((line) => line.trim() !== '') ?? 'failed without a message';
}
