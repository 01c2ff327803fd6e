/**
 * The HTML report of a parameter sweep (`dmaload sweep` writes DIR/sweep.html next to
 * sweep.json; `dmaload report DIR/sweep.json`): the grid and its outcome in cards, the table (a
 * row per combination of the grid, in grid order: each metric's mean with its min–max over the
 * repetitions, latency p50 and p99, and the combinations without a result), the points that
 * failed or were not run, then the plots of html/sweep-plots.ts — each figure against each swept
 * parameter (which parameter is x is decided there), error bars spanning min–max.
 *
 * The same page as the run report (html/page.ts: same look, same CSP, data embedded, no fetch).
 * Leaves out: each point's own run report (render DIR/points/<id>.json with `dmaload report`).
 */

import { formatCount, formatNs, NO_VALUE } from '../../common/units.js';
import { SWEEP_METRICS, type SweepResult, type SweepRow } from '../sweep.js';
import { type Cell, card, escapeHtml, note, numCell, plotDiv, table } from './blocks.js';
import type { ReportData } from './data.js';
import { page } from './page.js';
import { combinations } from '../sweep.js';
import { comboName, sweepPlotGroups } from './sweep-plots.js';

/** A metric's cell: the mean, and its range when the repetitions differ. */
function spreadText(format: (v: number) => string, v: { mean: number; min: number; max: number }): string {
  return v.min === v.max ? format(v.mean) : `${format(v.mean)} (${format(v.min)}–${format(v.max)})`;
}

function sweepTableHtml(s: SweepResult): string {
  const key = (params: Readonly<Record<string, string>>): string => JSON.stringify(s.params.map((p) => params[p.key] ?? null));
  const rows = new Map<string, SweepRow>(s.table.map((r) => [key(r.params), r]));
  const body = combinations(s.params).map((combo): Cell[] => {
    const row = rows.get(key(combo));
    const params = s.params.map((p) => combo[p.key]!);
    if (!row) return [...params, numCell('0', 'num bad'), ...SWEEP_METRICS.map(() => numCell(NO_VALUE)), numCell(NO_VALUE), numCell(NO_VALUE)];
    return [
      ...params,
      numCell(String(row.repetitions), row.repetitions < s.repeat ? 'num bad' : 'num'),
      ...SWEEP_METRICS.map((m) => numCell(spreadText(m.format, row.metrics[m.key]!))),
      numCell(formatNs(row.latencyNs.p50)),
      numCell(formatNs(row.latencyNs.p99)),
    ];
  });
  return table([...s.params.map((p) => p.key), 'reps', ...SWEEP_METRICS.map((m) => m.label), 'p50', 'p99'], body, 'sweep');
}

function pointsSection(s: SweepResult): string {
  const notDone = s.points.filter((p) => p.status !== 'done');
  const out = ['<h2 id="points">Points not done</h2>'];
  if (notDone.length === 0) {
    out.push(note(`All ${s.points.length} point(s) done.`));
    return out.join('\n');
  }
  out.push(
    table(
      ['point', 'parameters', 'seed', 'status', 'error'],
      notDone.map((p): Cell[] => [
        p.id,
        comboName(p.params),
        p.seed,
        p.status === 'failed' ? { html: escapeHtml(p.status), cls: 'bad' } : p.status,
        p.error ?? '',
      ]),
    ),
  );
  return out.join('\n');
}

const PLOTS_NOTE =
  '<p class="plots-note">Each point is the mean over a combination\u2019s repetitions; its error bar spans their min to max. ' +
  'Latency p50 and p99 come from the repetitions\u2019 histograms added together, so they have no bar. ' +
  'A missing point is a combination without a result. One line per combination of the other parameters; ' +
  'click a legend entry to hide a line, drag to zoom, double-click to reset.</p>';

/** The whole report, one self-contained HTML document. */
export function renderSweepReport(s: SweepResult): string {
  const count = (status: string): number => s.points.filter((p) => p.status === status).length;
  const done = count('done');
  const failed = count('failed');
  const notRun = count('not run');
  const combos = combinations(s.params).length;
  const body: string[] = [];
  body.push(`<header><h1>dmaload sweep report: ${escapeHtml(s.profile)}</h1>`);
  body.push(
    `<p class="meta"><b>${s.points.length}</b> point(s): <b>${combos}</b> combination(s) × <b>${escapeHtml(s.repeat)}</b> repetition(s) · ` +
      s.params.map((p) => `<b>${escapeHtml(p.key)}</b> = ${p.values.map(escapeHtml).join(', ')}`).join(' · ') +
      ` · sweep format ${escapeHtml(s.formatVersion)}</p></header>`,
  );
  body.push(
    `<div class="cards">${[
      card('points done', formatCount(done)),
      card('points failed', formatCount(failed), failed > 0 ? 'bad' : ''),
      card('points not run', formatCount(notRun), notRun > 0 ? 'bad' : ''),
      card('combinations with a result', `${formatCount(s.table.length)} of ${formatCount(combos)}`, s.table.length < combos ? 'bad' : ''),
    ].join('')}</div>`,
  );
  body.push('<h2 id="table">Table</h2>', sweepTableHtml(s));
  body.push(note('Each metric: the mean over the repetitions, with (min–max) when they differ. Latency percentiles: of every repetition\u2019s descriptors together.'));
  body.push(pointsSection(s));
  const groups = sweepPlotGroups(s);
  body.push('<h2 id="plots">Plots</h2>');
  if (groups.length === 0) {
    body.push(note('The sweep has no parameters: nothing to plot against.'));
  } else {
    body.push(PLOTS_NOTE);
    groups.forEach((g, i) => {
      body.push(`<h3 id="against-${i}">Against ${escapeHtml(g.param.key)}</h3>`, ...g.plots.map(plotDiv));
    });
  }
  const data: ReportData = { kind: 'sweep', profile: s.profile, plots: groups.flatMap((g) => g.plots) };
  return page(`dmaload sweep: ${s.profile}`, body.join('\n'), data);
}
