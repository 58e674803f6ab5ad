/** RFC 4180 CSV of report rows, with spreadsheet formula injection defused (OWASP: a leading = + - @ is quoted text). */

function cell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const headers = columns ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return [headers.map(cell).join(','), ...rows.map((row) => headers.map((name) => cell(row[name])).join(','))].join('\r\n') + '\r\n';
}
