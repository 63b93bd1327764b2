/**
 * OWASP's CSV injection rule: a cell a spreadsheet would run as a formula (starting with = + - @, tab or
 * carriage return) gets a leading `'` so it is shown as text. Client-chosen fields (type, source, id) can
 * start so; `body` starts with `{` and the hashes with hex, so what an auditor re-hashes is never changed.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** RFC 4180: quote fields holding a comma, quote or line break, doubling inner quotes. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line of cells, each neutralised and quoted. */
export function csvLine(cells: readonly unknown[]): string {
  return cells.map((cell) => csvField(neutraliseFormula(cell === null ? '' : String(cell)))).join(',');
}
