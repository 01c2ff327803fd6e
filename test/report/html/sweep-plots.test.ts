// A sweep's plot data: per swept parameter with several values, one plot per figure (the table's
// metrics, latency p50 and p99), one series per combination of the other parameters, named by
// them, a point per x value at the mean with [min, max] as its spread (none for the latency
// percentiles), null where a combination has no result; numeric, log and categorical x axes.
import { describe, expect, it } from 'vitest';
import { SWEEP_FIGURES, sweepAxis, sweepPlotGroups, sweepPlotsAgainst, xParams } from '../../../src/report/html/sweep-plots.js';
import { SWEEP_METRICS } from '../../../src/report/sweep.js';
import { makeSweepResult, sweepRow } from '../fixtures.js';

const s = makeSweepResult();
const plot = (xIndex: number, key: string) => sweepPlotsAgainst(s, xIndex).find((p) => p.id === `sweep-x${xIndex}-${key}`)!;

describe('sweep plot data', () => {
  it('gives each varied parameter a plot per figure: the metrics, then latency p50 and p99', () => {
    const groups = sweepPlotGroups(s);
    expect(groups.map((g) => g.param.key)).toEqual(['strategy', 'queueDepth']);
    const keys = [...SWEEP_METRICS.map((m) => m.key), 'p50', 'p99'];
    expect(keys).toEqual(['ops', 'opsPerSec', 'bytesPerSec', 'invalidationSubmissions', 'invalidationTotalNs', 'invalidationMeanNs', 'violations', 'p50', 'p99']);
    expect(groups[0]!.plots.map((p) => p.id)).toEqual(keys.map((k) => `sweep-x0-${k}`));
    expect(groups[1]!.plots.map((p) => p.id)).toEqual(keys.map((k) => `sweep-x1-${k}`));
    expect(groups.flatMap((g) => g.plots).every((p) => p.kind === 'sweep')).toBe(true);
  });

  it('against a numeric parameter: x is the value (sorted), a series per other combination with mean and min–max', () => {
    const ops = plot(1, 'ops');
    expect(ops.title).toBe('descriptors against queueDepth');
    expect(ops.x).toEqual({ label: 'queueDepth', scale: 'numeric', log: false, ticks: [{ x: 4, label: '4' }, { x: 16, label: '16' }] });
    expect(ops.series.map((x) => x.name)).toEqual(['strategy=a', 'strategy=b']);
    expect(ops.series[0]!.points).toEqual([[4, 104], [16, 116]]);
    expect(ops.series[0]!.spread).toEqual([[103, 106], [115, 118]]);
    // (b, 4) has no result: no point, no bar
    expect(ops.series[1]!.points).toEqual([[4, null], [16, 216]]);
    expect(ops.series[1]!.spread).toEqual([null, [215, 218]]);
    expect(plot(1, 'opsPerSec').series[0]!.points).toEqual([[4, 208], [16, 232]]);
    expect(plot(1, 'violations').series[1]!.points).toEqual([[4, null], [16, 7 * 216]]);
  });

  it('against a categorical parameter: x is the value\'s index, ticks labelled as written', () => {
    const ops = plot(0, 'ops');
    expect(ops.x).toEqual({ label: 'strategy', scale: 'categorical', log: false, ticks: [{ x: 0, label: 'a' }, { x: 1, label: 'b' }] });
    expect(ops.series.map((x) => x.name)).toEqual(['queueDepth=16', 'queueDepth=4']);
    expect(ops.series[0]!.points).toEqual([[0, 116], [1, 216]]);
    expect(ops.series[0]!.spread).toEqual([[115, 118], [215, 218]]);
    expect(ops.series[1]!.points).toEqual([[0, 104], [1, null]]);
    expect(ops.series.map((x) => x.color)).toEqual(['#1f77b4', '#d62728']);
  });

  it('plots latency p50 and p99 of the merged histograms, without spread', () => {
    const p99 = plot(1, 'p99');
    expect(p99.series[0]!.points).toEqual([[4, 10_400], [16, 11_600]]);
    expect(p99.series[0]!.spread).toEqual([null, null]);
    expect(plot(0, 'p50').series[1]!.points).toEqual([[0, 1040], [1, null]]);
  });

  it('labels the y axis with the unit', () => {
    const labels = Object.fromEntries(sweepPlotsAgainst(s, 0).map((p) => [p.id.replace('sweep-x0-', ''), `${p.yUnit}: ${p.yLabel}`]));
    expect(labels).toEqual({
      ops: 'count: descriptors (count)',
      opsPerSec: 'perSec: descriptors/s',
      bytesPerSec: 'bytesPerSec: bytes/s',
      invalidationSubmissions: 'count: inval. submissions (count)',
      invalidationTotalNs: 'ns: inval. time (time)',
      invalidationMeanNs: 'ns: inval. per event (time)',
      violations: 'count: checker violations (count)',
      p50: 'ns: latency p50 (time)',
      p99: 'ns: latency p99 (time)',
    });
  });

  it('holds a one-value parameter fixed (named in the legend) and plots the first parameter when none varies', () => {
    const params = [{ key: 'platform', values: ['guest'] }, { key: 'devices.count', values: ['1', '2'] }];
    expect(xParams(params).map((p) => p.key)).toEqual(['devices.count']);
    expect(xParams([params[0]!, { key: 'x', values: ['1'] }]).map((p) => p.key)).toEqual(['platform']);
    const one = { ...s, params, table: [sweepRow({ platform: 'guest', 'devices.count': '2' }, 2, 10)] };
    const groups = sweepPlotGroups(one);
    expect(groups.map((g) => g.plots[0]!.id)).toEqual(['sweep-x1-ops']);
    expect(groups[0]!.plots[0]!.series.map((x) => [x.name, x.points])).toEqual([['platform=guest', [[1, null], [2, 10]]]]);
    // No other parameter: the series is named by the figure.
    const alone = { ...s, params: [params[1]!], table: [sweepRow({ 'devices.count': '1' }, 2, 5)] };
    expect(sweepPlotsAgainst(alone, 0)[1]!.series.map((x) => [x.name, x.points])).toEqual([['descriptors/s', [[1, 10], [2, null]]]]);
  });

  it('chooses the x axis: numeric, log past a decade, categorical for words, duplicates or hex', () => {
    expect(sweepAxis({ key: 'n', values: ['1', '2', '4', '8', '16'] })).toMatchObject({ scale: 'numeric', log: true });
    expect(sweepAxis({ key: 'n', values: ['4', '16'] })).toMatchObject({ scale: 'numeric', log: false });
    expect(sweepAxis({ key: 'n', values: ['0', '100'] })).toMatchObject({ scale: 'numeric', log: false });
    expect(sweepAxis({ key: 'n', values: ['-1', '0.5', '1e3'] }).ticks).toEqual([{ x: -1, label: '-1' }, { x: 0.5, label: '0.5' }, { x: 1000, label: '1e3' }]);
    expect(sweepAxis({ key: 'n', values: ['4', '4.0'] }).scale).toBe('categorical');
    expect(sweepAxis({ key: 'n', values: ['0x10', '2'] }).scale).toBe('categorical');
    expect(sweepAxis({ key: 's', values: ['vtd-per-device', 'vtd-cache-tags-grouped'] }).ticks).toEqual([{ x: 0, label: 'vtd-per-device' }, { x: 1, label: 'vtd-cache-tags-grouped' }]);
  });

  it('names a table row that lacks a metric', () => {
    const row = { ...sweepRow({ strategy: 'a' }, 1, 1), metrics: {} };
    expect(() => SWEEP_FIGURES[0]!.value(row)).toThrow('sweep table row {"strategy":"a"} has no metric "ops"');
  });
});
