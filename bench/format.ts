/** The 2-core goal of the issue that asked for this benchmark. */
export const GOAL_MESSAGES_PER_SECOND = 3_000;

export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

export function pct(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%` : '–';
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return value < 10 ? value.toFixed(1) : int(value);
}

/** A Markdown table; the first column left-aligned, the figures right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
