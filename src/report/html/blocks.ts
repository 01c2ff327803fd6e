/**
 * HTML building blocks shared by the run and compare reports: escaping, table cells, tables,
 * key/value tables, summary cards, notes, latency columns and plot containers. Strings in,
 * HTML strings out; every text is escaped here, so callers pass plain text (or `{ html }` for
 * markup they built from these blocks).
 */

import { formatCount, formatNs, NO_VALUE } from '../../common/units.js';
import type { LatencySummaryNs } from '../../metrics/histogram.js';
import type { PlotSpec } from './data.js';

export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A table cell: text, a count (right-aligned, thousands separated), or markup with a class. */
export type Cell = string | number | { html: string; cls?: string };

export function cell(c: Cell, tag: 'td' | 'th'): string {
  if (typeof c === 'object') return `<${tag}${c.cls ? ` class="${escapeHtml(c.cls)}"` : ''}>${c.html}</${tag}>`;
  const num = typeof c === 'number';
  return `<${tag}${num ? ' class="num"' : ''}>${escapeHtml(num ? formatCount(c) : c)}</${tag}>`;
}

/** A right-aligned cell of already formatted text; `cls` adds e.g. "bad". */
export const numCell = (text: string, cls = 'num'): Cell => ({ html: escapeHtml(text), cls });

/** A count cell that turns red when non-zero (failures, violations, overflows). */
export const badIfAny = (n: number): Cell => (n > 0 ? numCell(formatCount(n), 'num bad') : n);

/** One table row, its first cell a row header. */
export function row(cells: readonly Cell[], cls = ''): string {
  return `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c, i) => cell(c, i === 0 ? 'th' : 'td')).join('')}</tr>`;
}

/** A table; a column is right-aligned when the first row's cell in it is numeric. */
export function table(head: readonly string[], rows: readonly (readonly Cell[])[], cls = ''): string {
  const first = rows[0] ?? [];
  const right = (i: number): boolean => {
    const c = first[i];
    return typeof c === 'number' || (typeof c === 'object' && (c.cls ?? '').split(' ').includes('num'));
  };
  const thead = `<thead><tr>${head.map((h, i) => `<th${i > 0 && right(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const tbody = `<tbody>${rows.map((r) => row(r)).join('')}</tbody>`;
  return `<div class="table-wrap"><table${cls ? ` class="${cls}"` : ''}>${thead}${tbody}</table></div>`;
}

/** A two-column key/value table. */
export function kv(rows: readonly [string, Cell][]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th>${cell(v, 'td')}</tr>`).join('')}</tbody></table>`;
}

/** Column heads of a latency summary, in `latCells` order. */
export const LAT_HEAD = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'] as const;

/** A latency summary as cells; dashes when there is none. */
export function latCells(l: LatencySummaryNs | null | undefined): Cell[] {
  if (!l) return LAT_HEAD.map(() => numCell(NO_VALUE));
  return [l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map((v) => numCell(formatNs(v)));
}

/** A summary card: a big value over a label; `cls` "bad" marks it red. */
export function card(label: string, value: string, cls = ''): string {
  return `<div class="card${cls ? ` ${cls}` : ''}"><div class="card-value">${escapeHtml(value)}</div><div class="card-label">${escapeHtml(label)}</div></div>`;
}

/** A plot's figure: its caption (with the log-axis toggle for percentile plots) and the container the client draws into. */
export function plotDiv(spec: PlotSpec): string {
  const dev = spec.device !== null ? ` data-device="${escapeHtml(spec.device)}"` : '';
  const ctl =
    spec.kind === 'percentile'
      ? `<label class="plot-ctl"><input type="checkbox" class="logy" data-plot="${escapeHtml(spec.id)}">log latency axis</label>`
      : '';
  return `<figure class="plot-figure"><figcaption><span>${escapeHtml(spec.title)}</span>${ctl}</figcaption><div class="plot" id="${escapeHtml(spec.id)}" data-kind="${spec.kind}"${dev}></div></figure>`;
}

/** An explanatory note in italics. */
export const note = (text: string): string => `<p class="note">${escapeHtml(text)}</p>`;

/** How to read a percentile plot, above the first one. */
export const PCT_NOTE =
  '<p class="plots-note">x: percentile on a log scale of 1/(1−p), so each decade is one more nine; ' +
  'y: latency from submission to completion. Drag to zoom, double-click to reset; click a legend entry to hide a series.</p>';

/** A value as pretty-printed JSON. */
export function jsonPre(v: unknown): string {
  return `<pre class="json">${escapeHtml(JSON.stringify(v, null, 2))}</pre>`;
}
