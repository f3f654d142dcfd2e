// A horizontal bar chart in plain text, for the demo's "who served how many requests":
//
//   node1  ████████████████████████████████████████  108  36%
//   node2  ██████████████████████████████████         92  31%
//   node3                                               0   0%

export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface ChartOptions {
  /** Characters of the longest bar; default 40. */
  readonly width?: number;
  /** The bar character; default '█'. */
  readonly char?: string;
  /** Put before every line; default two spaces. */
  readonly indent?: string;
}

/**
 * One line per bar, in the given order: label, bar, value and share of the total. Bars scale to
 * the largest value; any value above 0 gets at least one character, so "few" never looks like "none".
 */
export function barChart(bars: readonly Bar[], opts: ChartOptions = {}): string[] {
  const width = opts.width ?? 40;
  const char = opts.char ?? '█';
  const indent = opts.indent ?? '  ';
  if (!Number.isInteger(width) || width < 1) throw new Error(`width: must be a positive integer: ${width}`);
  for (const b of bars) {
    if (!Number.isFinite(b.value) || b.value < 0) throw new Error(`${b.label}: value must be a finite number >= 0: ${b.value}`);
  }
  const max = Math.max(0, ...bars.map((b) => b.value));
  const total = bars.reduce((sum, b) => sum + b.value, 0);
  const labelWidth = Math.max(0, ...bars.map((b) => b.label.length));
  const valueWidth = Math.max(1, ...bars.map((b) => String(b.value).length));
  return bars.map((b) => {
    const length = b.value === 0 ? 0 : Math.max(1, Math.round((b.value / max) * width));
    const share = total === 0 ? 0 : Math.round((b.value / total) * 100);
    return [
      indent,
      b.label.padEnd(labelWidth),
      '  ',
      char.repeat(length).padEnd(width),
      '  ',
      String(b.value).padStart(valueWidth),
      '  ',
      `${share}%`.padStart(4),
    ].join('');
  });
}
