// The compare report: every metric with its ratio to the baseline, every strategy, no network
// reference, and one total-latency percentile series per strategy.
import { describe, expect, it } from 'vitest';
import { renderCompareReport } from '../../../src/report/html/compare.js';
import { makeCompareResult } from '../fixtures.js';
import { dataBlock, externalRefs } from './helpers.js';

describe('renderCompareReport', () => {
  const c = makeCompareResult();
  const html = renderCompareReport(c);

  it('has every metric label, every strategy and the ratios', () => {
    for (const m of c.metrics) expect(html).toContain(`<th>${m.label}</th>`);
    for (const s of c.strategies) expect(html).toContain(s);
    expect(html).toContain('shared-domain / per-device');
    const ratio = c.metrics.find((m) => m.key === 'submissions')!.ratios[1]!;
    expect(html).toContain(`${ratio.toFixed(2)}×`);
    expect(html).toContain('cmp &lt;fixture&gt;');
    expect(externalRefs(html)).toEqual([]);
  });

  it('overlays one total-latency percentile series per strategy', () => {
    const data = dataBlock(html);
    expect(data.kind).toBe('compare');
    const pct = data.plots.find((p) => p.id === 'pct-compare-total')!;
    expect(pct.series.map((s) => s.name)).toEqual(c.strategies);
    // the slower strategy's curve sits above at the median
    const median = (name: string): number => pct.series.find((s) => s.name === name)!.points.find((p) => p[0] >= 2)![1]!;
    expect(median('shared-domain')).toBeGreaterThan(median('per-device'));
    expect(html).toContain('id="pct-compare-total"');
  });
});
