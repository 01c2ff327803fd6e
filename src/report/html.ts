/**
 * Self-contained HTML reports of a run result or a strategy comparison: one file, no network at
 * view time. uPlot's minified JS and CSS are read from node_modules at render time and inlined;
 * the plot data (percentile curves decoded from the result's HdrHistograms, per-interval
 * throughput and p99) is embedded as a JSON block that a small inline script hands to uPlot.
 * A Content-Security-Policy meta tag forbids every fetch, so a report cannot phone home even if
 * a future edit adds an external reference by mistake.
 *
 * Percentile plots: x = 1/(1−p) on a log10 axis (ticks 0%, 90%, 99%, 99.9%…), sampled at
 * p = 1 − 10^(−k/20) (20 points per decade) while 1/(1−p) < count, then a last point at
 * x = count (the worst 1 in count) carrying the histogram's max. y = latency in ns, labelled
 * ns/µs/ms/s.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  formatBytesPerSec as fmtBytesPerSec,
  formatCount as fmtCount,
  formatGBps as fmtGBps,
  formatNs as fmtNs,
  formatPercent as fmtPct,
  formatRate as fmtRate,
  formatRatio,
} from '../common/units.js';
import type { CompareMetric, CompareResult } from './compare.js';
import { decodeHistogram, type Histogram, type LatencySummaryNs } from '../metrics/histogram.js';
import type { DeviceResult, StoredRunResult as RunResult } from '../run/result.js';

// ---------------------------------------------------------------------------------------------
// Embedded plot data (the JSON block `<script type="application/json" id="dmaload-data">`).

/** One curve: points are [x, y]; x strictly increasing. */
export interface PlotSeries {
  name: string;
  color: string;
  width: number;
  dash: boolean;
  /** Percentile plots: the histogram's total count. */
  count?: number;
  points: [number, number | null][];
}

export interface PlotSpec {
  /** The id of the plot's container element. */
  id: string;
  kind: 'percentile' | 'time';
  title: string;
  /** Unit of the y values: ns (latency), per second, bytes per second. */
  yUnit: 'ns' | 'perSec' | 'bytesPerSec';
  /** The device the plot belongs to (per-device percentile plots); null otherwise. */
  device: string | null;
  series: PlotSeries[];
}

export interface ReportData {
  kind: 'run' | 'compare';
  profile: string;
  plots: PlotSpec[];
}

/** Element id of the embedded JSON data block. */
export const REPORT_DATA_ID = 'dmaload-data';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79'];
const color = (i: number): string => PALETTE[i % PALETTE.length]!;

/** Percentile sampling resolution: points per decade of 1/(1−p). */
const STEPS_PER_DECADE = 20;
/** Never go past 1/(1−p) = 1e9 (p = 99.9999999%). */
const MAX_STEPS = 9 * STEPS_PER_DECADE;

/**
 * The percentile curve of a histogram: [1/(1−p), latency ns] pairs, x strictly increasing, y
 * non-decreasing; empty for an empty histogram.
 */
export function percentilePoints(h: Histogram): [number, number][] {
  const n = h.totalCount;
  if (n <= 0) return [];
  const out: [number, number][] = [];
  let last = 0;
  for (let k = 0; k <= MAX_STEPS; k++) {
    const x = 10 ** (k / STEPS_PER_DECADE);
    if (x >= n) break;
    const p = k === 0 ? 0 : 100 * (1 - 1 / x);
    last = Math.max(last, h.getValueAtPercentile(p));
    out.push([x, last]);
  }
  out.push([n, Math.max(last, h.maxValue)]);
  return out;
}

/** Decode one result histogram ('' or missing = none) into its percentile curve. */
function curve(encoded: string | undefined): { count: number; points: [number, number][] } | null {
  if (!encoded) return null;
  const h = decodeHistogram(encoded);
  if (h.totalCount === 0) return null;
  return { count: h.totalCount, points: percentilePoints(h) };
}

// ---------------------------------------------------------------------------------------------
// Formatting (kept local so the report does not depend on the terminal formatter's details).

export function escapeHtml(s: unknown): string {
  return String(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function fmtMetric(unit: CompareMetric['unit'], v: number): string {
  switch (unit) {
    case 'count':
      return fmtCount(v);
    case 'ns':
      return fmtNs(v);
    case 'perSec':
      return `${fmtRate(v)}/s`;
    case 'bytesPerSec':
      return `${fmtGBps(v)} GB/s`;
  }
}

// ---------------------------------------------------------------------------------------------
// HTML building blocks.

type Cell = string | number | { html: string; cls?: string };

function cell(c: Cell, tag: 'td' | 'th'): string {
  if (typeof c === 'object') return `<${tag}${c.cls ? ` class="${escapeHtml(c.cls)}"` : ''}>${c.html}</${tag}>`;
  const num = typeof c === 'number';
  return `<${tag}${num ? ' class="num"' : ''}>${escapeHtml(num ? fmtCount(c) : c)}</${tag}>`;
}

const numCell = (text: string, cls = 'num'): Cell => ({ html: escapeHtml(text), cls });

function table(head: readonly string[], rows: readonly (readonly Cell[])[], cls = ''): string {
  const first = rows[0] ?? [];
  const right = (i: number): boolean => {
    const c = first[i];
    return typeof c === 'number' || (typeof c === 'object' && (c.cls ?? '').split(' ').includes('num'));
  };
  const thead = `<thead><tr>${head.map((h, i) => `<th${i > 0 && right(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const tbody = `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell(c, i === 0 ? 'th' : 'td')).join('')}</tr>`).join('')}</tbody>`;
  return `<div class="table-wrap"><table${cls ? ` class="${cls}"` : ''}>${thead}${tbody}</table></div>`;
}

/** A two-column key/value table. */
function kv(rows: readonly [string, Cell][]): string {
  return `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th>${cell(v, 'td')}</tr>`).join('')}</tbody></table>`;
}

const LAT_HEAD = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'] as const;

function latCells(l: LatencySummaryNs | null | undefined): Cell[] {
  if (!l) return LAT_HEAD.map(() => numCell('–'));
  return [l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map((v) => numCell(fmtNs(v)));
}

function card(label: string, value: string, cls = ''): string {
  return `<div class="card${cls ? ` ${cls}` : ''}"><div class="card-value">${escapeHtml(value)}</div><div class="card-label">${escapeHtml(label)}</div></div>`;
}

function plotDiv(spec: PlotSpec): string {
  const dev = spec.device !== null ? ` data-device="${escapeHtml(spec.device)}"` : '';
  const ctl =
    spec.kind === 'percentile'
      ? `<label class="plot-ctl"><input type="checkbox" class="logy" data-plot="${escapeHtml(spec.id)}">log latency axis</label>`
      : '';
  return `<figure class="plot-figure"><figcaption><span>${escapeHtml(spec.title)}</span>${ctl}</figcaption><div class="plot" id="${escapeHtml(spec.id)}" data-kind="${spec.kind}"${dev}></div></figure>`;
}

const note = (text: string): string => `<p class="note">${escapeHtml(text)}</p>`;

function jsonPre(v: unknown): string {
  return `<pre class="json">${escapeHtml(JSON.stringify(v, null, 2))}</pre>`;
}

// ---------------------------------------------------------------------------------------------
// Assets and the page shell.

let assets: { js: string; css: string } | undefined;

function uplotAssets(): { js: string; css: string } {
  if (!assets) {
    const require = createRequire(import.meta.url);
    const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    assets = { js: js.replace(/<\/(script)/gi, '<\\/$1'), css: css.replace(/<\/(style)/gi, '<\\/$1') };
  }
  return assets;
}

/** JSON safe inside a `<script>` element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const STYLE = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #ffffff; --panel: #f6f7f9; --bad: #b3261e; --good: #1e7a35; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.meta b { color: var(--fg); font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 110px; }
.card-value { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card-label { color: var(--muted); font-size: 12px; }
.card.bad { border-color: var(--bad); }
.card.bad .card-value { color: var(--bad); }
.table-wrap { max-width: 100%; overflow-x: auto; margin: 6px 0 12px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
thead th { background: var(--panel); font-weight: 600; border-bottom: 2px solid var(--line); }
tbody th { font-weight: 500; }
.num { text-align: right; }
tr.sub th { padding-left: 26px; font-weight: 400; color: var(--muted); }
table.kv th { color: var(--muted); font-weight: 400; }
table.kv td { text-align: right; }
.bad { color: var(--bad); font-weight: 600; }
.good { color: var(--good); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
.plot-figure { margin: 12px 0 20px; }
.plot-figure figcaption { font-weight: 600; margin-bottom: 4px; display: flex; gap: 16px; align-items: baseline; }
.plot-ctl { font-weight: 400; font-size: 12px; color: var(--muted); cursor: pointer; user-select: none; }
.plot-ctl input { vertical-align: middle; margin: 0 4px 0 0; }
.plot { width: 100%; max-width: 820px; min-height: 300px; }
.plots-note { color: var(--muted); font-size: 12px; margin: 4px 0 8px; }
pre.json { background: var(--panel); border: 1px solid var(--line); padding: 8px; font-size: 12px; overflow-x: auto; }
.grid2 { display: flex; flex-wrap: wrap; gap: 0 32px; align-items: flex-start; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
.uplot .u-legend { font-size: 12px; }
.uplot .u-legend .u-value { font-variant-numeric: tabular-nums; }
`;

/**
 * The browser side: read the JSON block, align each plot's series on the union of their x values
 * (nulls where a series has no point; spanGaps joins them) and draw them with uPlot.
 */
const CLIENT_JS = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById(${JSON.stringify(REPORT_DATA_ID)}).textContent);
  function fmtNs(v) {
    if (v == null || !isFinite(v)) return '\\u2013';
    if (v === 0) return '0';
    if (v < 1e3) return (+v.toPrecision(3)) + ' ns';
    if (v < 1e6) return (+(v / 1e3).toPrecision(3)) + ' \\u00b5s';
    if (v < 1e9) return (+(v / 1e6).toPrecision(3)) + ' ms';
    return (+(v / 1e9).toPrecision(3)) + ' s';
  }
  function fmtRate(v) {
    if (v == null || !isFinite(v)) return '\\u2013';
    if (v >= 1e9) return (+(v / 1e9).toPrecision(3)) + ' G/s';
    if (v >= 1e6) return (+(v / 1e6).toPrecision(3)) + ' M/s';
    if (v >= 1e3) return (+(v / 1e3).toPrecision(3)) + ' k/s';
    if (v === 0) return '0';
    return (+v.toPrecision(3)) + ' /s';
  }
  function fmtBytes(v) {
    if (v == null || !isFinite(v)) return '\\u2013';
    if (v === 0) return '0';
    if (v >= 1e9) return (+(v / 1e9).toPrecision(3)) + ' GB/s';
    if (v >= 1e6) return (+(v / 1e6).toPrecision(3)) + ' MB/s';
    if (v >= 1e3) return (+(v / 1e3).toPrecision(3)) + ' kB/s';
    return (+v.toPrecision(3)) + ' B/s';
  }
  function pctTick(x) {
    if (x <= 1) return '0%';
    var digits = Math.max(0, Math.round(Math.log10(x)) - 2);
    return (100 - 100 / x).toFixed(digits) + '%';
  }
  function pctValue(x) {
    if (x == null) return '\\u2013';
    if (x <= 1) return '0%';
    var digits = Math.max(1, Math.ceil(Math.log10(x) - 1e-9) - 1);
    return (100 - 100 / x).toFixed(digits) + '%';
  }
  function logSplits(u, axisIdx, min, max) {
    var out = [];
    for (var e = Math.floor(Math.log10(Math.max(min, 1))); e < 12; e++) {
      var v = Math.pow(10, e);
      if (v > max * 1.000001) break;
      if (v >= min / 1.000001) out.push(v);
    }
    return out;
  }
  /** Log latency axis: 1-2-5 steps per decade (decades only when that would be crowded). */
  function logSplitsY(u, axisIdx, min, max) {
    var out = [], decades = [];
    for (var e = Math.floor(Math.log10(Math.max(min, 1e-3))); e <= Math.ceil(Math.log10(Math.max(max, 1))); e++) {
      [1, 2, 5].forEach(function (m) {
        var v = m * Math.pow(10, e);
        if (v >= min / 1.000001 && v <= max * 1.000001) { out.push(v); if (m === 1) decades.push(v); }
      });
    }
    return out.length > 13 && decades.length >= 2 ? decades : out;
  }
  /** Round down / up to a 1-2-5 step (log latency axis range). */
  function nice125(v, up) {
    if (!(v > 0)) return up ? 1 : 0.5;
    var e = Math.floor(Math.log10(v)), steps = [1, 2, 5, 10], best = up ? Infinity : 0;
    steps.forEach(function (m) {
      var c = m * Math.pow(10, e);
      if (up ? c >= v * 0.999999 && c < best : c <= v * 1.000001 && c > best) best = c;
    });
    return best;
  }
  function join(series) {
    var seen = new Map();
    series.forEach(function (s) { s.points.forEach(function (p) { seen.set(p[0], true); }); });
    var xs = Array.from(seen.keys()).sort(function (a, b) { return a - b; });
    var at = new Map();
    xs.forEach(function (x, i) { at.set(x, i); });
    var out = [xs];
    series.forEach(function (s) {
      var ys = new Array(xs.length).fill(null);
      s.points.forEach(function (p) { ys[at.get(p[0])] = p[1]; });
      out.push(ys);
    });
    return out;
  }
  var plots = {};
  function axisSize(u, values) {
    var w = 0;
    if (values) values.forEach(function (v) { if (v) w = Math.max(w, String(v).length); });
    return Math.max(48, w * 7 + 26);
  }
  /** Log y by default when the tail dwarfs the median (a linear axis would flatten the body). */
  function wantLogY(spec) {
    if (spec.yUnit !== 'ns' || spec.kind !== 'percentile') return false;
    var lo = Infinity, hi = 0;
    spec.series.forEach(function (s) {
      s.points.forEach(function (p) {
        if (p[1] == null) return;
        if (p[0] >= 1.99 && p[0] < 2.3 && p[1] > 0) lo = Math.min(lo, p[1]); // ~p50
        hi = Math.max(hi, p[1]);
      });
    });
    return isFinite(lo) && hi / lo > 30;
  }
  function plot(spec, logY) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    if (plots[spec.id]) { plots[spec.id].destroy(); delete plots[spec.id]; }
    el.textContent = '';
    if (!spec.series.length) { el.textContent = 'no data'; el.className += ' empty'; return; }
    var pct = spec.kind === 'percentile';
    var fmt = spec.yUnit === 'ns' ? fmtNs : spec.yUnit === 'perSec' ? fmtRate : fmtBytes;
    var yLabel = spec.yUnit === 'ns' ? 'latency' : spec.yUnit === 'perSec' ? 'descriptors/s' : 'bytes/s';
    var aligned = join(spec.series);
    if (logY) {
      aligned = aligned.map(function (col, i) {
        return i === 0 ? col : col.map(function (v) { return v != null && v > 0 ? v : null; });
      });
    }
    var xs = aligned[0];
    var xMax = xs.length ? xs[xs.length - 1] : 1;
    var width = Math.max(360, Math.min(800, el.clientWidth || 800));
    var axisFont = '12px system-ui, sans-serif';
    var opts = {
      width: width,
      height: 300,
      scales: {
        x: pct
          ? { time: false, distr: 3, log: 10, range: function () { return [1, Math.max(10, xMax)]; } }
          : { time: false },
        y: logY
          ? { distr: 3, log: 10, range: function (u, min, max) { return [nice125(min, false), nice125(max, true)]; } }
          : { range: function (u, min, max) { return [0, max != null && max > 0 ? max * 1.08 : 1]; } }
      },
      axes: [
        pct
          ? { label: 'percentile', labelFont: 'bold ' + axisFont, font: axisFont, splits: logSplits,
              values: function (u, s) { return s.map(pctTick); } }
          : { label: 'time since start (s)', labelFont: 'bold ' + axisFont, font: axisFont },
        logY
          ? { label: yLabel, labelFont: 'bold ' + axisFont, font: axisFont, size: axisSize, splits: logSplitsY,
              filter: function (u, s) { return s; }, values: function (u, s) { return s.map(fmt); } }
          : { label: yLabel, labelFont: 'bold ' + axisFont, font: axisFont, size: axisSize,
              values: function (u, s) { return s.map(fmt); } }
      ],
      series: [
        { label: pct ? 'percentile' : 'time',
          value: pct ? function (u, v) { return pctValue(v); }
                     : function (u, v) { return v == null ? '\\u2013' : (+v.toPrecision(4)) + ' s'; } }
      ].concat(spec.series.map(function (s) {
        var o = { label: s.name, stroke: s.color, width: s.width, spanGaps: true,
                  points: { show: !pct && xs.length < 40 }, value: function (u, v) { return fmt(v); } };
        if (s.dash) o.dash = [6, 4];
        return o;
      })),
      legend: { live: true },
      cursor: { drag: { x: true, y: false } }
    };
    plots[spec.id] = new uPlot(opts, aligned, el);
  }
  data.plots.forEach(function (spec) {
    var box = document.querySelector('input.logy[data-plot="' + spec.id + '"]');
    var logY = wantLogY(spec);
    if (box) {
      box.checked = logY;
      box.addEventListener('change', function () { plot(spec, box.checked); });
    }
    try { plot(spec, logY); } catch (e) {
      var el = document.getElementById(spec.id);
      if (el) el.textContent = 'plot failed: ' + e;
      throw e;
    }
  });
})();
`;

function page(title: string, body: string, data: ReportData): string {
  const { js, css } = uplotAssets();
  const csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>Generated by dmaload. Self-contained: plots drawn with uPlot (MIT), inlined; no network access.</footer>
</main>
<script type="application/json" id="${REPORT_DATA_ID}">${scriptJson(data)}</script>
<script>${js}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Run report.

function loopText(d: DeviceResult): string {
  if (d.loop !== 'open') return 'closed';
  const rate = d.targetOpsPerSec !== null ? ` @ ${fmtRate(d.targetOpsPerSec)}/s` : '';
  return `open${rate}${d.arrival ? ` ${d.arrival}` : ''}`;
}

/** Percentile plots for a run: a total plot (total + each device), then one per device. */
function runPercentilePlots(r: RunResult, prefix = 'pct'): PlotSpec[] {
  const hs = r.histograms;
  const plots: PlotSpec[] = [];
  const total: PlotSeries[] = [];
  const t = curve(hs?.total);
  if (t) total.push({ name: 'all devices', color: '#1d2330', width: 2.5, dash: false, count: t.count, points: t.points });
  r.devices.forEach((d, i) => {
    const c = curve(hs?.devices?.[d.id]);
    if (c) total.push({ name: d.id, color: color(i), width: 1.5, dash: false, count: c.count, points: c.points });
  });
  plots.push({ id: `${prefix}-total`, kind: 'percentile', title: 'DMA latency by percentile, all devices', yUnit: 'ns', device: null, series: total });

  r.devices.forEach((d, i) => {
    const series: PlotSeries[] = [];
    const all = curve(hs?.devices?.[d.id]);
    const open = d.loop === 'open';
    if (all) {
      series.push({ name: open ? 'all ops (corrected)' : 'all ops', color: color(0), width: 2.5, dash: false, count: all.count, points: all.points });
    }
    if (open) {
      const u = curve(hs?.uncorrected?.[d.id]);
      if (u) series.push({ name: 'all ops (uncorrected)', color: color(0), width: 2, dash: true, count: u.count, points: u.points });
    }
    const ops = hs?.byOp?.[d.id] ?? {};
    const opNames = Object.keys(d.byOp).length > 0 ? Object.keys(d.byOp) : Object.keys(ops);
    opNames.forEach((op, k) => {
      const c = curve(ops[op]);
      if (c) series.push({ name: op, color: color(k + 1), width: 1.5, dash: false, count: c.count, points: c.points });
    });
    plots.push({
      id: `${prefix}-dev-${i}`,
      kind: 'percentile',
      title: `${d.id}: latency by percentile${open ? ' (open loop: corrected and uncorrected)' : ''}`,
      yUnit: 'ns',
      device: d.id,
      series,
    });
  });
  return plots;
}

/** Throughput (ops/s, GB/s) and p99 over time, one series per device. */
function runTimePlots(r: RunResult): PlotSpec[] {
  const points = r.intervals?.points ?? [];
  if (points.length === 0) return [];
  const per = (get: (p: (typeof points)[number]['devices'][number]) => number | null): PlotSeries[] =>
    r.devices.map((d, i) => ({
      name: d.id,
      color: color(i),
      width: 1.75,
      dash: false,
      points: points.map((p): [number, number | null] => {
        const e = p.devices.find((x) => x.id === d.id);
        return [p.tS, e ? get(e) : null];
      }),
    }));
  return [
    { id: 'tp-ops', kind: 'time', title: 'Descriptors per second over time', yUnit: 'perSec', device: null, series: per((e) => e.opsPerSec) },
    { id: 'tp-bytes', kind: 'time', title: 'Throughput (bytes/s) over time', yUnit: 'bytesPerSec', device: null, series: per((e) => e.bytesPerSec) },
    { id: 'tp-p99', kind: 'time', title: 'p99 latency over time', yUnit: 'ns', device: null, series: per((e) => (e.ops > 0 ? e.p99 : null)) },
  ];
}

function statusTable(r: RunResult): string {
  const names = Object.keys(r.totals.statuses);
  const shown = names.filter((n) => n === 'success' || (r.totals.statuses[n] ?? 0) > 0);
  const rows: Cell[][] = shown.map((n) => {
    const bad = n !== 'success' && (r.totals.statuses[n] ?? 0) > 0;
    return [
      n,
      ...r.devices.map((d) => numCell(fmtCount(d.statuses[n] ?? 0))),
      numCell(fmtCount(r.totals.statuses[n] ?? 0), bad ? 'num bad' : 'num'),
    ];
  });
  const hidden = names.length - shown.length;
  return (
    table(['status', ...r.devices.map((d) => d.id), 'total'], rows) +
    (hidden > 0 ? note(`${hidden} other status(es) with a count of 0 are not shown.`) : '')
  );
}

function deviceTable(r: RunResult): string {
  const rows: string[] = [];
  const row = (cls: string, cells: Cell[]): string =>
    `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c, i) => cell(c, i === 0 ? 'th' : 'td')).join('')}</tr>`;
  for (const d of r.devices) {
    const lookups = d.devtlb.hits + d.devtlb.misses;
    rows.push(
      row('', [
        d.id, loopText(d), d.iommu, numCell(String(d.pasid)), d.attach,
        numCell(fmtCount(d.ops)), numCell(fmtRate(d.opsPerSec)), numCell(fmtGBps(d.bytesPerSec)),
        ...latCells(d.latencyNs),
        numCell(lookups > 0 ? fmtPct(d.devtlb.hits / lookups) : '–'),
      ]),
    );
    if (d.latencyNsUncorrected) {
      rows.push(row('sub', ['uncorrected', '', '', '', '', '', '', '', ...latCells(d.latencyNsUncorrected), '']));
    }
    const secs = d.elapsedNs / 1e9;
    for (const [op, o] of Object.entries(d.byOp)) {
      rows.push(
        row('sub', [
          op, '', '', '', '',
          numCell(fmtCount(o.ops)), numCell(secs > 0 ? fmtRate(o.ops / secs) : '–'), numCell(secs > 0 ? fmtGBps(o.bytes / secs) : '–'),
          ...latCells(o.latencyNs), '',
        ]),
      );
    }
  }
  const t = r.totals;
  rows.push(row('total', ['total', '', '', '', '', numCell(fmtCount(t.ops)), numCell(fmtRate(t.opsPerSec)), numCell(fmtGBps(t.bytesPerSec)), ...latCells(t.latencyNs), '']));
  const head = ['device / op', 'loop', 'iommu', 'pasid', 'attach', 'ops', 'ops/s', 'GB/s', ...LAT_HEAD, 'devTLB hit'];
  const thead = `<thead><tr>${head.map((h, i) => `<th${i >= 5 ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  return `<div class="table-wrap"><table class="devices">${thead}<tbody>${rows.join('')}</tbody></table></div>`;
}

function iommuTable(r: RunResult): string {
  if (r.iommus.length === 0) return note('No IOMMUs.');
  return table(
    ['iommu', 'type', 'IOTLB', 'hits', 'misses', 'hit rate', 'walks', 'walk refs'],
    r.iommus.map((m) => [
      m.id, m.type, numCell(`${m.iotlb.entries}×${m.iotlb.ways > 0 && m.iotlb.entries / m.iotlb.ways === 1 ? 'FA' : `${m.iotlb.ways}w`}`),
      m.iotlb.hits, m.iotlb.misses, numCell(fmtPct(m.iotlb.hitRate)), m.walks, m.walkRefs,
    ]),
  );
}

function invalidationSection(r: RunResult): string {
  const inv = r.invalidation;
  if (!inv) return `<h2 id="invalidation">Invalidation</h2>${note('No churn in this profile: no invalidation.')}`;
  const parts: string[] = ['<h2 id="invalidation">Invalidation</h2>'];
  parts.push('<div class="grid2">');
  parts.push(
    `<div><h3>Summary</h3>${kv([
      ['strategy', inv.strategy],
      ['platform', inv.platform],
      ['range encoding', inv.rangeEncoding],
      ['batch size', inv.batchSize],
      ['notifier events', inv.events],
      ['submissions', inv.submissions],
      ['whole-PASID flushes', inv.wholePasidFlushes],
      ['pages changed', inv.pagesChanged],
      ['frames freed', inv.framesFreed],
      ['total invalidation time', numCell(fmtNs(inv.totalNs))],
    ])}</div>`,
  );
  parts.push(
    `<div><h3>Descriptors by type</h3>${table(['type', 'count'], [
      ['IOTLB', inv.descriptors.iotlb],
      ['device-TLB', inv.descriptors.devtlb],
      [{ html: '<b>total</b>' }, inv.descriptors.total],
    ])}<h3>Events by change kind</h3>${
      Object.keys(inv.eventsByOp).length > 0
        ? table(['change', 'events'], Object.entries(inv.eventsByOp).map(([k, v]) => [k, v]))
        : note('none')
    }</div>`,
  );
  parts.push('</div>');
  parts.push('<h3>Latency per notifier event (start to all submissions done)</h3>');
  parts.push(table(['', ...LAT_HEAD], [['all IOMMUs', ...latCells(inv.latencyNs)]]));
  const mm = r.iommus.filter((m) => m.invalidation);
  if (mm.length > 0) {
    parts.push('<h3>Per IOMMU</h3>');
    parts.push(
      table(
        ['iommu', 'submissions', 'IOTLB desc', 'devTLB desc', 'total desc', ...LAT_HEAD],
        mm.map((m) => {
          const mi = m.invalidation!;
          return [m.id, mi.submissions, mi.descriptors.iotlb, mi.descriptors.devtlb, mi.descriptors.total, ...latCells(mi.latencyNs)];
        }),
      ),
    );
  }
  parts.push('<h3>Device-TLB invalidations applied</h3>');
  parts.push(table(['device', 'applied'], r.devices.map((d) => [d.id, d.devtlbInvalidationsApplied])));
  return parts.join('\n');
}

function faultsPresent(r: RunResult): boolean {
  const f = r.faults;
  if (!f) return false;
  return f.pageRequests + f.faultedOps + f.prqOverflows + f.partialCompletions + f.touches.ok + f.touches.failed > 0;
}

function faultsSection(r: RunResult): string {
  const f = r.faults;
  if (!faultsPresent(r)) return `<h2 id="faults">Page faults</h2>${note('No page requests in this run.')}`;
  const parts: string[] = ['<h2 id="faults">Page faults</h2>', '<div class="grid2">'];
  parts.push(
    `<div><h3>Summary</h3>${kv([
      ['page requests', f.pageRequests],
      ['page request groups', f.groups],
      ['pages populated by the kernel', f.pagesPopulated],
      ['descriptors that faulted', f.faultedOps],
      ['partial completions', f.partialCompletions],
      ['PRQ high-water', f.prqHighWater],
      ['PRQ overflows', f.prqOverflows > 0 ? numCell(fmtCount(f.prqOverflows), 'num bad') : f.prqOverflows],
      ['touches ok', f.touches.ok],
      ['touches failed', f.touches.failed > 0 ? numCell(fmtCount(f.touches.failed), 'num bad') : f.touches.failed],
    ])}</div>`,
  );
  parts.push(
    `<div><h3>Responses by code</h3>${table(['response', 'count'], [
      ['success', f.responses.success],
      ['invalid', f.responses.invalid > 0 ? numCell(fmtCount(f.responses.invalid), 'num bad') : f.responses.invalid],
      ['failure', f.responses.failure > 0 ? numCell(fmtCount(f.responses.failure), 'num bad') : f.responses.failure],
    ])}</div>`,
  );
  parts.push('</div>');
  parts.push('<h3>Latency</h3>');
  parts.push(
    table(
      ['', ...LAT_HEAD],
      [
        ['DMA, descriptors that faulted', ...latCells(f.latencyNs.faulted)],
        ['DMA, clean descriptors', ...latCells(f.latencyNs.clean)],
        ['kernel fault service (request → response)', ...latCells(f.serviceLatencyNs)],
      ],
    ),
  );
  parts.push('<h3>Per device</h3>');
  parts.push(
    table(
      ['device', 'page requests', 'groups', 'success', 'invalid', 'failure', 'PRQ high-water', 'PRQ overflows', 'faulted ops', 'faulted p99', 'clean p99'],
      r.devices.map((d) => [
        d.id, d.faults.pageRequests, d.faults.groups, d.faults.responses.success, d.faults.responses.invalid, d.faults.responses.failure,
        d.faults.prqHighWater, d.faults.prqOverflows, d.faults.faultedOps,
        numCell(fmtNs(d.faults.latencyNs.faulted.p99)), numCell(fmtNs(d.faults.latencyNs.clean.p99)),
      ]),
    ),
  );
  parts.push('<h3>Per IOMMU</h3>');
  parts.push(
    table(
      ['iommu', 'page requests', 'PRQ entries', 'PRQ high-water', 'PRQ overflows'],
      r.iommus.map((m) => [m.id, m.faults.pageRequests, m.faults.prqEntries, m.faults.prqHighWater, m.faults.prqOverflows]),
    ),
  );
  return parts.join('\n');
}

function integritySection(r: RunResult): string {
  const parts: string[] = ['<h2 id="integrity">Integrity and checker</h2>', '<div class="grid2">'];
  parts.push(
    `<div><h3>Data integrity sampler</h3>${kv([
      ['descriptors checked', r.integrity.checked],
      ['failed', r.integrity.failed > 0 ? numCell(fmtCount(r.integrity.failed), 'num bad') : r.integrity.failed],
      ['skipped', r.integrity.skipped],
    ])}</div>`,
  );
  parts.push(
    `<div><h3>Stale-translation checker</h3>${kv([
      ['enabled', r.checker.enabled ? 'yes' : 'no'],
      ['pages checked', r.checker.pagesChecked],
      ['violations', r.checker.violations > 0 ? numCell(fmtCount(r.checker.violations), 'num bad') : r.checker.violations],
    ])}</div>`,
  );
  parts.push('</div>');
  parts.push(
    table(
      ['device', 'integrity checked', 'failed', 'skipped', 'compare mismatches', 'checker pages', 'violations'],
      r.devices.map((d) => [
        d.id, d.integrity.checked,
        d.integrity.failed > 0 ? numCell(fmtCount(d.integrity.failed), 'num bad') : d.integrity.failed,
        d.integrity.skipped, d.compareMismatches, d.checker.pagesChecked,
        d.checker.violations > 0 ? numCell(fmtCount(d.checker.violations), 'num bad') : d.checker.violations,
      ]),
    ),
  );
  if (r.checker.firstViolation) parts.push(`<h3>First checker violation</h3>${jsonPre(r.checker.firstViolation)}`);
  for (const d of r.devices) {
    if (d.integrity.firstFailure) parts.push(`<h3>First integrity failure on ${escapeHtml(d.id)}</h3>${jsonPre(d.integrity.firstFailure)}`);
  }
  return parts.join('\n');
}

function summaryCards(r: RunResult): string {
  const t = r.totals;
  const l = t.latencyNs;
  const bad = Object.entries(t.statuses).filter(([k, v]) => k !== 'success' && v > 0).reduce((s, [, v]) => s + v, 0);
  return `<div class="cards">${[
    card('descriptors', fmtCount(t.ops)),
    card('descriptors/s', `${fmtRate(t.opsPerSec)}/s`),
    card('throughput', fmtBytesPerSec(t.bytesPerSec)),
    card('p50', fmtNs(l.p50)),
    card('p99', fmtNs(l.p99)),
    card('p99.9', fmtNs(l.p999)),
    card('max', fmtNs(l.max)),
    card('non-success completions', fmtCount(bad), bad > 0 ? 'bad' : ''),
    card('checker violations', fmtCount(r.checker.violations), r.checker.violations > 0 ? 'bad' : ''),
    card('integrity failures', fmtCount(r.integrity.failed), r.integrity.failed > 0 ? 'bad' : ''),
  ].join('')}</div>`;
}

const PCT_NOTE =
  '<p class="plots-note">x: percentile on a log scale of 1/(1−p), so each decade is one more nine; ' +
  'y: latency from submission to completion. Drag to zoom, double-click to reset; click a legend entry to hide a series.</p>';

export function renderRunReport(r: RunResult): string {
  const pctPlots = runPercentilePlots(r);
  const timePlots = runTimePlots(r);
  const hasHist = pctPlots.some((p) => p.series.length > 0);
  const body: string[] = [];
  body.push(`<header><h1>dmaload run report: ${escapeHtml(r.profile)}</h1>`);
  body.push(
    `<p class="meta">seed <b>${escapeHtml(r.seed)}</b> · elapsed <b>${escapeHtml(fmtNs(r.elapsedNs))}</b>` +
      (r.durationS !== null ? ` (asked ${escapeHtml(r.durationS)} s)` : '') +
      ` · <b>${r.devices.length}</b> device(s) · <b>${r.iommus.length}</b> IOMMU(s)` +
      (r.invalidation ? ` · strategy <b>${escapeHtml(r.invalidation.strategy)}</b> on <b>${escapeHtml(r.invalidation.platform)}</b>` : '') +
      ` · result format ${escapeHtml(r.formatVersion)}</p></header>`,
  );
  body.push(summaryCards(r));
  body.push('<h2 id="devices">Devices</h2>', deviceTable(r));
  body.push('<h3>Completion statuses</h3>', statusTable(r));
  body.push('<h2 id="latency">Latency percentiles</h2>');
  if (hasHist) {
    body.push(PCT_NOTE, ...pctPlots.map(plotDiv));
  } else {
    body.push(note('This result carries no latency histograms (older result format?): no percentile plots.'));
  }
  body.push('<h2 id="time">Over time</h2>');
  if (r.intervals && timePlots.length > 0) {
    body.push(`<p class="plots-note">Per interval of ${escapeHtml(r.intervals.intervalS)} s (merged intervals are longer).</p>`, ...timePlots.map(plotDiv));
  } else {
    body.push(note('This result carries no per-interval data.'));
  }
  body.push('<h2 id="iommus">IOMMUs</h2>', iommuTable(r));
  body.push(invalidationSection(r));
  body.push(faultsSection(r));
  body.push(integritySection(r));
  if (r.memory) {
    body.push(
      '<h2 id="memory">Memory</h2>',
      kv([
        ['frames', r.memory.frames],
        ['free at end', r.memory.framesFree],
        ['freed', r.memory.framesFreed],
        ['reused', r.memory.framesReused],
      ]),
    );
  }
  const data: ReportData = { kind: 'run', profile: r.profile, plots: hasHist ? [...pctPlots, ...timePlots] : timePlots };
  return page(`dmaload run: ${r.profile}`, body.join('\n'), data);
}

// ---------------------------------------------------------------------------------------------
// Compare report.

/** Higher is better for rates; lower is better for counts and times. */
function ratioClass(m: CompareMetric, ratio: number | null): string {
  if (ratio === null || Math.abs(ratio - 1) < 0.01) return 'num';
  const higherBetter = m.unit === 'perSec' || m.unit === 'bytesPerSec';
  return (ratio > 1) === higherBetter ? 'num good' : 'num bad';
}

export function renderCompareReport(c: CompareResult): string {
  const others = c.strategies.slice(1);
  const body: string[] = [];
  body.push(`<header><h1>dmaload compare report: ${escapeHtml(c.profile)}</h1>`);
  body.push(
    `<p class="meta">seed <b>${escapeHtml(c.seed)}</b> · platform <b>${escapeHtml(c.platform)}</b> · strategies ` +
      c.strategies.map((s) => `<b>${escapeHtml(s)}</b>`).join(', ') +
      ` · baseline <b>${escapeHtml(c.baseline)}</b></p></header>`,
  );

  body.push('<h2 id="metrics">Metrics</h2>');
  body.push(
    table(
      ['metric', ...c.strategies, ...others.map((s) => `${s} / ${c.baseline}`)],
      c.metrics.map((m) => [
        m.label,
        ...m.values.map((v) => numCell(fmtMetric(m.unit, v))),
        ...m.ratios.slice(1).map((r) => numCell(r === null ? '–' : formatRatio(r), ratioClass(m, r))),
      ]),
      'metrics',
    ),
  );
  if (others.length > 0) body.push(note('Ratios: green is better than the baseline, red is worse (rates: higher is better; counts and times: lower is better).'));

  body.push('<h2 id="runs">Runs</h2>');
  body.push(
    table(
      ['strategy', 'elapsed', 'descriptors', 'descriptors/s', 'GB/s', ...LAT_HEAD, 'violations', 'integrity failed'],
      c.strategies.map((s) => {
        const r = c.runs[s];
        if (!r) return [s, numCell('missing')];
        return [
          s, numCell(fmtNs(r.elapsedNs)), r.totals.ops, numCell(fmtRate(r.totals.opsPerSec)), numCell(fmtGBps(r.totals.bytesPerSec)),
          ...latCells(r.totals.latencyNs),
          r.checker.violations > 0 ? numCell(fmtCount(r.checker.violations), 'num bad') : r.checker.violations,
          r.integrity.failed > 0 ? numCell(fmtCount(r.integrity.failed), 'num bad') : r.integrity.failed,
        ];
      }),
    ),
  );

  const pct: PlotSeries[] = [];
  const ops: PlotSeries[] = [];
  c.strategies.forEach((s, i) => {
    const r = c.runs[s];
    if (!r) return;
    const t = curve(r.histograms?.total);
    if (t) pct.push({ name: s, color: color(i), width: i === 0 ? 2.5 : 2, dash: false, count: t.count, points: t.points });
    const points = r.intervals?.points ?? [];
    if (points.length > 0) {
      ops.push({
        name: s,
        color: color(i),
        width: 1.75,
        dash: false,
        points: points.map((p): [number, number] => [p.tS, p.devices.reduce((sum, d) => sum + d.opsPerSec, 0)]),
      });
    }
  });
  const plots: PlotSpec[] = [];
  body.push('<h2 id="latency">DMA latency percentiles, all devices</h2>');
  if (pct.length > 0) {
    const spec: PlotSpec = { id: 'pct-compare-total', kind: 'percentile', title: 'DMA latency by percentile, one series per strategy', yUnit: 'ns', device: null, series: pct };
    plots.push(spec);
    body.push(PCT_NOTE, plotDiv(spec));
  } else {
    body.push(note('The runs carry no latency histograms: no percentile plot.'));
  }
  if (ops.length > 0) {
    const spec: PlotSpec = { id: 'tp-compare-ops', kind: 'time', title: 'Descriptors per second over time, all devices', yUnit: 'perSec', device: null, series: ops };
    plots.push(spec);
    body.push('<h2 id="time">Throughput over time</h2>', plotDiv(spec));
  }

  for (const s of c.strategies) {
    const r = c.runs[s];
    if (!r?.invalidation) continue;
    const inv = r.invalidation;
    body.push(`<h3>Invalidation under ${escapeHtml(s)}</h3>`);
    body.push(
      table(
        ['', 'events', 'submissions', 'IOTLB desc', 'devTLB desc', 'whole-PASID', ...LAT_HEAD, 'total time'],
        [
          ['all IOMMUs', inv.events, inv.submissions, inv.descriptors.iotlb, inv.descriptors.devtlb, inv.wholePasidFlushes, ...latCells(inv.latencyNs), numCell(fmtNs(inv.totalNs))],
          ...r.iommus
            .filter((m) => m.invalidation)
            .map((m): Cell[] => {
              const mi = m.invalidation!;
              return [m.id, '', mi.submissions, mi.descriptors.iotlb, mi.descriptors.devtlb, '', ...latCells(mi.latencyNs), ''];
            }),
        ],
      ),
    );
  }

  const data: ReportData = { kind: 'compare', profile: c.profile, plots };
  return page(`dmaload compare: ${c.profile}`, body.join('\n'), data);
}
