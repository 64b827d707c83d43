/** Plain-text rendering of bench reports. Pure. */
import type { BenchReport, BenchRow } from '../types.js';

/** A compact number: 3 significant digits, thousands as k/M, NaN as "n/a". */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toPrecision(3);
  if (a === 0) return '0';
  return v.toPrecision(2);
}

export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a';
}

function verdict(row: BenchRow): string {
  if (row.pass === undefined) return '';
  return row.pass ? 'met' : 'MISSED';
}

/** Render one report as an aligned table followed by row notes and suite notes. */
export function formatReport(report: BenchReport): string {
  const header = ['figure', 'value', 'baseline', 'ratio', 'goal', ''];
  const body = report.rows.map((r) => [
    r.figure,
    `${formatNumber(r.value)} ${r.unit}`,
    `${formatNumber(r.baseline.value)} ${r.unit} (${r.baseline.name})`,
    formatRatio(r.ratio),
    r.goal ?? '',
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [`== ${report.suite} ==`, line(header), line(widths.map((w) => '-'.repeat(w)))];
  for (const row of body) out.push(line(row));
  if (report.rows.length === 0) out.push('(no rows)');
  report.rows.forEach((r, i) => {
    if (r.note) out.push(`  [${i + 1}] ${r.note}`);
  });
  for (const n of report.notes ?? []) out.push(`  * ${n}`);
  return out.join('\n');
}
