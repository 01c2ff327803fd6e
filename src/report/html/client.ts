/**
 * The report's browser script. It reads the embedded plot data (html/data.ts), aligns each
 * plot's series on the union of their x values and draws them with uPlot; a percentile plot's
 * checkbox switches its latency axis between log and linear (log by default when the tail
 * dwarfs the median). A sweep plot's x axis is a swept parameter's values (ticks labelled as
 * written; categorical ones at their index) and each point's spread an error bar (html/sweep-plots.ts).
 *
 * It fails loudly: a missing or unreadable data block, or a plot container without data, is a
 * console error and a message in the page. When it is done it sets `data-report-state` on the
 * document element to "drawn" or "failed", the condition a browser test waits for.
 *
 * Built on its own: type-checked with the DOM library (html/tsconfig.json; the main build has
 * no DOM) and bundled by esbuild, with the formatters it imports from common/units.ts, into
 * `dist/report-client.js`, which html/page.ts inlines into every report. uPlot is not bundled:
 * the page inlines its IIFE build before this script, which defines the global `uPlot`.
 */

import type UPlot from 'uplot';
import { formatBytesPerSecCompact, formatCountCompact, formatNsCompact, formatRateCompact, formatSecondsCompact } from '../../common/units.js';
import { alignSeries, axisSize, logSplits, logSplitsY, nice125, pctTick, pctValue, sweepTickLabel, sweepXRange, sweepYRange, wantLogY } from './axes.js';
import { REPORT_DATA_ID, type PlotSpec, type ReportData } from './data.js';

/** uPlot's IIFE build, inlined before this script, defines it. */
declare const uPlot: typeof UPlot;

const AXIS_FONT = '12px system-ui, sans-serif';

const plots = new Map<string, UPlot>();

function yAxisOf(spec: PlotSpec): { format: (v: number | null) => string; label: string } {
  switch (spec.yUnit) {
    case 'ns':
      return { format: formatNsCompact, label: spec.yLabel ?? 'latency' };
    case 'perSec':
      return { format: formatRateCompact, label: spec.yLabel ?? 'descriptors/s' };
    case 'bytesPerSec':
      return { format: formatBytesPerSecCompact, label: spec.yLabel ?? 'bytes/s' };
    case 'count':
      return { format: formatCountCompact, label: spec.yLabel ?? 'count' };
  }
}

/** A sweep plot's error bars: each point's [min, max] in its series' colour, dodged apart a little. */
function drawSpreads(u: UPlot, spec: PlotSpec): void {
  const ctx = u.ctx;
  const px = devicePixelRatio || 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  ctx.clip();
  ctx.lineWidth = 1.5 * px;
  const n = spec.series.length;
  spec.series.forEach((s, i) => {
    if (!s.spread || u.series[i + 1]?.show === false) return;
    ctx.strokeStyle = s.color;
    const dodge = (i - (n - 1) / 2) * 3 * px;
    s.points.forEach(([x], k) => {
      const r = s.spread?.[k];
      if (!r || r[0] === r[1]) return;
      const cx = u.valToPos(x, 'x', true) + dodge;
      const y0 = u.valToPos(r[0], 'y', true);
      const y1 = u.valToPos(r[1], 'y', true);
      const cap = 4 * px;
      ctx.beginPath();
      ctx.moveTo(cx, y0);
      ctx.lineTo(cx, y1);
      ctx.moveTo(cx - cap, y0);
      ctx.lineTo(cx + cap, y0);
      ctx.moveTo(cx - cap, y1);
      ctx.lineTo(cx + cap, y1);
      ctx.stroke();
    });
  });
  ctx.restore();
}

/** uPlot options of a sweep plot: x = a swept parameter, y = a figure, error bars drawn after the series. */
function sweepOptions(spec: PlotSpec, width: number): UPlot.Options {
  const axis = spec.x;
  if (!axis) throw new Error(`sweep plot ${spec.id} has no x axis`);
  const { format, label } = yAxisOf(spec);
  const labelFont = `bold ${AXIS_FONT}`;
  const [xMin, xMax] = sweepXRange(axis);
  const [yMin, yMax] = sweepYRange(spec);
  const xLabel = `${axis.label}${axis.scale === 'categorical' ? ' (categories)' : axis.log ? ' (log scale)' : ''}`;
  return {
    width,
    height: 300,
    scales: {
      x: axis.log ? { time: false, distr: 3, log: 10, range: () => [xMin, xMax] } : { time: false, range: () => [xMin, xMax] },
      y: { range: () => [yMin, yMax] },
    },
    axes: [
      {
        label: xLabel,
        labelFont,
        font: AXIS_FONT,
        splits: () => axis.ticks.map((t) => t.x),
        // Every value swept is labelled: uPlot's own filter for a log axis keeps only 1-2-5 steps
        // and turns the rest (2, 4, 8 of 1, 2, 4, 8, 16) into gaps.
        filter: (_u, splits) => splits,
        values: (_u, splits) => splits.map((x) => sweepTickLabel(axis, x)),
      },
      { label, labelFont, font: AXIS_FONT, size: axisSize, values: (_u, splits) => splits.map(format) },
    ],
    series: [
      { label: axis.label, value: (_u, v) => sweepTickLabel(axis, v) },
      ...spec.series.map(
        (s): UPlot.Series => ({ label: s.name, stroke: s.color, width: s.width, spanGaps: false, points: { show: true, size: 7 }, value: (_u, v) => format(v) }),
      ),
    ],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
    hooks: { draw: [(u) => drawSpreads(u, spec)] },
  };
}

/** Draw (or redraw) one plot into its container; `logY` puts the latency axis on a log scale. */
function plot(spec: PlotSpec, logY: boolean): void {
  const el = document.getElementById(spec.id);
  if (!el) return;
  plots.get(spec.id)?.destroy();
  plots.delete(spec.id);
  el.textContent = '';
  if (spec.series.length === 0) {
    el.textContent = 'no data';
    el.className += ' empty';
    return;
  }
  const width = Math.max(360, Math.min(800, el.clientWidth || 800));
  if (spec.kind === 'sweep') {
    plots.set(spec.id, new uPlot(sweepOptions(spec, width), alignSeries(spec.series), el));
    return;
  }
  const pct = spec.kind === 'percentile';
  const { format, label } = yAxisOf(spec);
  let aligned = alignSeries(spec.series);
  if (logY) {
    // A log axis has no place for 0: such points become gaps.
    const [xs, ...ys] = aligned;
    aligned = [xs, ...ys.map((col) => col.map((v) => (v !== null && v > 0 ? v : null)))];
  }
  const xs = aligned[0];
  const xMax = xs.length > 0 ? xs[xs.length - 1]! : 1;
  const labelFont = `bold ${AXIS_FONT}`;
  const values = (_u: UPlot, splits: number[]): string[] => splits.map(format);
  const opts: UPlot.Options = {
    width,
    height: 300,
    scales: {
      x: pct ? { time: false, distr: 3, log: 10, range: () => [1, Math.max(10, xMax)] } : { time: false },
      y: logY
        ? { distr: 3, log: 10, range: (_u, min, max) => [nice125(min, false), nice125(max, true)] }
        : { range: (_u, _min, max) => [0, max !== null && max > 0 ? max * 1.08 : 1] },
    },
    axes: [
      pct
        ? { label: 'percentile', labelFont, font: AXIS_FONT, splits: logSplits, values: (_u, splits) => splits.map(pctTick) }
        : { label: 'time since start (s)', labelFont, font: AXIS_FONT },
      logY
        ? { label, labelFont, font: AXIS_FONT, size: axisSize, splits: logSplitsY, filter: (_u, splits) => splits, values }
        : { label, labelFont, font: AXIS_FONT, size: axisSize, values },
    ],
    series: [
      {
        label: pct ? 'percentile' : 'time',
        value: pct ? (_u, v) => pctValue(v) : (_u, v) => formatSecondsCompact(v),
      },
      ...spec.series.map(
        (s): UPlot.Series => ({
          label: s.name,
          stroke: s.color,
          width: s.width,
          spanGaps: true,
          points: { show: !pct && xs.length < 40 },
          value: (_u, v) => format(v),
          ...(s.dash ? { dash: [6, 4] } : {}),
        }),
      ),
    ],
    legend: { live: true },
    cursor: { drag: { x: true, y: false } },
  };
  plots.set(spec.id, new uPlot(opts, aligned, el));
}

/** A problem drawing the report: in the page where it happened (or at the top) and on the console. */
function fail(where: HTMLElement | null, message: string): void {
  console.error(`dmaload report: ${message}`);
  const el = where ?? document.querySelector('main');
  if (!el) return;
  const p = document.createElement('p');
  p.className = 'bad';
  p.textContent = message;
  if (where) where.replaceChildren(p);
  else el.prepend(p);
}

function readData(): ReportData | null {
  const text = document.getElementById(REPORT_DATA_ID)?.textContent;
  if (!text) {
    fail(null, `the report's plot data (#${REPORT_DATA_ID}) is missing: no plots drawn`);
    return null;
  }
  try {
    return JSON.parse(text) as ReportData;
  } catch (e) {
    fail(null, `the report's plot data (#${REPORT_DATA_ID}) is not valid JSON (${String(e)}): no plots drawn`);
    return null;
  }
}

function drawAll(): boolean {
  const data = readData();
  if (!data) return false;
  let ok = true;
  const ids = new Set(data.plots.map((p) => p.id));
  for (const el of document.querySelectorAll<HTMLElement>('.plot')) {
    if (!ids.has(el.id)) {
      fail(el, `no data for plot "${el.id}"`);
      ok = false;
    }
  }
  for (const spec of data.plots) {
    const box = document.querySelector<HTMLInputElement>(`input.logy[data-plot="${spec.id}"]`);
    const logY = wantLogY(spec);
    if (box) {
      box.checked = logY;
      box.addEventListener('change', () => plot(spec, box.checked));
    }
    try {
      plot(spec, logY);
    } catch (e) {
      fail(document.getElementById(spec.id), `plot ${spec.id} failed: ${String(e)}`);
      ok = false;
    }
  }
  return ok;
}

let drawn = false;
try {
  drawn = drawAll();
} finally {
  document.documentElement.dataset['reportState'] = drawn ? 'drawn' : 'failed';
}
