// The sweep report's page: a table row per combination of the grid (mean with min–max, a
// combination without a result and one with fewer repetitions marked), the points that failed
// or were not run with their errors, a plot container per plot in the embedded data, escaped
// text, no network reference.
import { describe, expect, it } from 'vitest';
import { renderSweepReport } from '../../../src/report/html/sweep.js';
import { makeSweepResult } from '../fixtures.js';
import { dataBlock, externalRefs } from './helpers.js';

describe('renderSweepReport', () => {
  const s = makeSweepResult();
  const html = renderSweepReport(s);
  const rows = [...html.matchAll(/<table class="sweep">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/g)].flatMap((m) => [...m[1]!.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((r) => r[1]!));
  const cells = (row: string): string[] => [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!);

  it('tabulates every combination of the grid in order, each metric as mean (min–max)', () => {
    expect(rows.map((r) => cells(r).slice(0, 3))).toEqual([
      ['a', '16', '2'],
      ['a', '4', '2'],
      ['b', '16', '1'],
      ['b', '4', '0'],
    ]);
    // (a, 4): base 104 — descriptors 104 (103–106), descriptors/s 208 (207–210)/s, p50 1040 ns = 1.04 µs, p99 10.4 µs
    expect(cells(rows[1]!).slice(3)).toEqual(['104 (103–106)', '208/s (207/s–210/s)', '312B/s (311B/s–314B/s)', '416 (415–418)', '520 ns (519 ns–522 ns)', '624 ns (623 ns–626 ns)', '728 (727–730)', '1.04 µs', '10.4 µs']);
    // fewer repetitions than asked, and no result at all, are marked
    expect(rows[2]).toContain('<td class="num bad">1</td>');
    expect(cells(rows[3]!).slice(3)).toEqual(Array(9).fill('–'));
    expect(html).toContain('<div class="card-value">3 of 4</div><div class="card-label">combinations with a result</div>');
  });

  it('lists the points that failed or were not run, with their errors', () => {
    const section = html.slice(html.indexOf('<h2 id="points">'), html.indexOf('<h2 id="plots">'));
    const listed = [...section.matchAll(/<tr><th>(p\d-r\d)<\/th><td>([^<]*)<\/td><td class="num">(\d+)<\/td><td(?: class="([^"]*)")?>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => m.slice(1));
    expect(listed).toEqual([
      ['p2-r1', 'strategy=b · queueDepth=16', '43', undefined, 'not run', ''],
      ['p3-r0', 'strategy=b · queueDepth=4', '42', 'bad', 'failed', 'error: point &lt;p3-r0&gt; exploded'],
      ['p3-r1', 'strategy=b · queueDepth=4', '43', 'bad', 'failed', 'error: point &lt;p3-r1&gt; exploded'],
    ]);
  });

  it('embeds 18 plots (9 figures against each of 2 parameters), each with its container', () => {
    const data = dataBlock(html);
    expect(data.kind).toBe('sweep');
    expect(data.plots).toHaveLength(18);
    for (const p of data.plots) expect(html).toContain(`<div class="plot" id="${p.id}" data-kind="sweep"></div>`);
    expect([...html.matchAll(/<div class="plot" /g)]).toHaveLength(18);
    expect(html).toContain('<h3 id="against-0">Against strategy</h3>');
    expect(html).toContain('<h3 id="against-1">Against queueDepth</h3>');
  });

  it('escapes text and refers to nothing outside the file', () => {
    expect(html).toContain('<h1>dmaload sweep report: sweep &lt;fixture&gt;</h1>');
    expect(html).not.toContain('sweep <fixture>');
    expect(externalRefs(html)).toEqual([]);
  });

  it('says so when every point is done', () => {
    const all = { ...s, points: s.points.map((p) => ({ ...p, status: 'done' as const })) };
    expect(renderSweepReport(all)).toContain('<p class="note">All 8 point(s) done.</p>');
  });
});
