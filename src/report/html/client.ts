/**
 * The report's browser script. It reads the embedded plot data (html/data.ts), aligns each
 * plot's series on the union of their x values and draws them with uPlot; a percentile plot's
 * checkbox switches its latency axis between log and linear (log by default when the tail
 * dwarfs the median).
 *
 * Built on its own: type-checked with the DOM library (html/tsconfig.json; the main build has
 * no DOM) and bundled by esbuild, with the formatters it imports from common/units.ts, into
 * `dist/report-client.js`, which html/page.ts inlines into every report. uPlot is not bundled:
 * the page inlines its IIFE build before this script, which defines the global `uPlot`.
 */

import type UPlot from 'uplot';
import { formatBytesPerSecCompact, formatNsCompact, formatRateCompact, formatSecondsCompact } from '../../common/units.js';
import { alignSeries, axisSize, logSplits, logSplitsY, nice125, pctTick, pctValue, wantLogY } from './axes.js';
import { REPORT_DATA_ID, type PlotSpec, type ReportData } from './data.js';

/** uPlot's IIFE build, inlined before this script, defines it. */
declare const uPlot: typeof UPlot;

const AXIS_FONT = '12px system-ui, sans-serif';

const plots = new Map<string, UPlot>();

function yAxisOf(spec: PlotSpec): { format: (v: number | null) => string; label: string } {
  switch (spec.yUnit) {
    case 'ns':
      return { format: formatNsCompact, label: 'latency' };
    case 'perSec':
      return { format: formatRateCompact, label: 'descriptors/s' };
    case 'bytesPerSec':
      return { format: formatBytesPerSecCompact, label: 'bytes/s' };
  }
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
    width: Math.max(360, Math.min(800, el.clientWidth || 800)),
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

const data = JSON.parse(document.getElementById(REPORT_DATA_ID)?.textContent ?? '{"plots":[]}') as ReportData;
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
    const el = document.getElementById(spec.id);
    if (el) el.textContent = `plot failed: ${String(e)}`;
    throw e;
  }
}
