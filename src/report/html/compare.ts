/**
 * The HTML report of a strategy comparison (`compare --html`, `dmaload report cmp.json`): the
 * metrics side by side with each strategy's ratio to the baseline (green better, red worse),
 * a row per run, total-latency percentile curves overlaid (one per strategy), descriptors per
 * second over time, and each strategy's invalidation counts per IOMMU.
 */

import { formatGBps, formatNs, formatRate, formatRatio, NO_VALUE } from '../../common/units.js';
import { type CompareMetric, type CompareResult, compareNotes, formatMetricValue, ratioComparable } from '../compare.js';
import { badIfAny, type Cell, escapeHtml, LAT_HEAD, latCells, note, numCell, PCT_NOTE, plotDiv, table } from './blocks.js';
import { color, curve } from './curves.js';
import type { PlotSeries, PlotSpec, ReportData } from './data.js';
import { page } from './page.js';

function ratioClass(c: CompareResult, m: CompareMetric, ratio: number | null): string {
  // Over unequal windows a DMA rate's ratio is not better or worse, only different: uncoloured.
  if (ratio === null || Math.abs(ratio - 1) < 0.01 || !ratioComparable(c, m)) return 'num';
  const higherBetter = m.unit === 'perSec' || m.unit === 'bytesPerSec';
  return (ratio > 1) === higherBetter ? 'num good' : 'num bad';
}

/** The whole report, one self-contained HTML document. */
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
        ...m.values.map((v) => numCell(formatMetricValue(m.unit, v, true))),
        ...m.ratios.slice(1).map((r) => numCell(r === null ? NO_VALUE : formatRatio(r), ratioClass(c, m, r))),
      ]),
      'metrics',
    ),
  );
  if (others.length > 0) body.push(note('Ratios: green is better than the baseline, red is worse (rates: higher is better; counts and times: lower is better).'));
  for (const n of compareNotes(c)) body.push(note(n));

  body.push('<h2 id="runs">Runs</h2>');
  body.push(
    table(
      ['strategy', 'elapsed', 'descriptors', 'descriptors/s', 'GB/s', ...LAT_HEAD, 'violations', 'integrity failed'],
      c.strategies.map((s) => {
        const r = c.runs[s];
        if (!r) return [s, numCell('missing')];
        return [
          s, numCell(formatNs(r.elapsedNs)), r.totals.ops, numCell(formatRate(r.totals.opsPerSec)), numCell(formatGBps(r.totals.bytesPerSec)),
          ...latCells(r.totals.latencyNs),
          badIfAny(r.checker.violations),
          badIfAny(r.integrity.failed),
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
          ['all IOMMUs', inv.events, inv.submissions, inv.descriptors.iotlb, inv.descriptors.devtlb, inv.wholePasidFlushes, ...latCells(inv.latencyNs), numCell(formatNs(inv.totalNs))],
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
