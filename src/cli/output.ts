/** Prints rows as an aligned text table, or as JSON with --json. */
export function printRows(
  rows: Record<string, unknown>[],
  columns: string[],
  json: boolean,
  raw?: unknown,
): void {
  if (json) {
    console.log(JSON.stringify(raw ?? rows, null, 2));
    return;
  }
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const cells = rows.map((row) => columns.map((column) => formatCell(row[column])));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((row) => row[index]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((column) => column.toUpperCase())));
  for (const row of cells) console.log(line(row));
}

export function printObject(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
