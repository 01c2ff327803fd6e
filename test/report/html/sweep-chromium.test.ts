/**
 * The sweep report in a real headless Chromium (./browser.ts): a real 2 × 2 sweep (quickstart,
 * queue depth 4, 16 × access pattern sequential, uniform, 2 repetitions) writes sweep.html, which
 * draws its 18 plots (9 figures against each parameter) with a legend naming the other
 * parameter's values, without errors or network requests; and the check is not a rubber stamp:
 * the same page without its data, or without one plot's data, is reported, line by line.
 * Skipped when /usr/bin/chromium is absent.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { REPORT_DATA_ID, type ReportData } from '../../../src/report/html/data.js';
import { runCli, TEST_TIMEOUT_MS } from '../../cli/helpers.js';
import { CHROMIUM, chromiumAvailable, launchChromium, openReport, problems } from './browser.js';

const QD = 'devices[0].workload.queueDepth';
const PATTERN = 'devices[0].workload.pattern';
const FIGURES = ['ops', 'opsPerSec', 'bytesPerSec', 'invalidationSubmissions', 'invalidationTotalNs', 'invalidationMeanNs', 'violations', 'p50', 'p99'];
const DATA_BLOCK = new RegExp(`(<script type="application/json" id="${REPORT_DATA_ID}">)([\\s\\S]*?)(</script>)`);

if (!chromiumAvailable) {
  describe('sweep report in Chromium', () => {
    it.skip(`needs ${CHROMIUM} (not installed here): real-browser check skipped`, () => {});
  });
} else describe('sweep report in Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'dmaload-sweep-chromium-'));
  const out = join(dir, 'sweep');
  let html = '';

  beforeAll(async () => {
    const r = await runCli(['sweep', 'profiles/quickstart.yaml', '--param', `${QD}=4,16`, '--param', `${PATTERN}=sequential,uniform`, '--repeat', '2', '--jobs', '2', '--set', 'durationS=0.004', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    html = readFileSync(join(out, 'sweep.html'), 'utf8');
    browser = await launchChromium();
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws a real sweep\'s 18 plots, each with a legend of the other parameter\'s values, cleanly', async () => {
    const check = await openReport(browser, join(out, 'sweep.html'), 'sweep');
    console.log(`screenshot: ${check.screenshot}`);
    expect(problems(check)).toEqual([]);
    expect(check.state).toBe('drawn');
    expect(check.canvases).toBe(18);
    expect(check.plots.map((p) => p.id)).toEqual([...FIGURES.map((f) => `sweep-x0-${f}`), ...FIGURES.map((f) => `sweep-x1-${f}`)]);
    for (const p of check.plots.slice(0, 9)) expect(p.legend).toEqual([QD, `${PATTERN}=sequential`, `${PATTERN}=uniform`]);
    for (const p of check.plots.slice(9)) expect(p.legend).toEqual([PATTERN, `${QD}=4`, `${QD}=16`]);
  });

  it('reports the same page without its data: the script fails, no plot is drawn', async () => {
    const file = join(dir, 'no-data.html');
    writeFileSync(file, html.replace(DATA_BLOCK, '$1$3'));
    const check = await openReport(browser, file, 'sweep-no-data');
    expect(problems(check)).toEqual([
      'report state: failed',
      `console error: dmaload report: the report's plot data (#${REPORT_DATA_ID}) is missing: no plots drawn`,
      ...[...FIGURES.map((f) => `sweep-x0-${f}`), ...FIGURES.map((f) => `sweep-x1-${f}`)].map((id) => `${id}: no canvas`),
    ]);
    expect(check.canvases).toBe(0);
  });

  it('reports the same page missing one plot\'s data: that plot, by name', async () => {
    const file = join(dir, 'one-missing.html');
    const data = JSON.parse(DATA_BLOCK.exec(html)![2]!) as ReportData;
    const rest = { ...data, plots: data.plots.filter((p) => p.id !== 'sweep-x1-p99') };
    writeFileSync(file, html.replace(DATA_BLOCK, (_m, open: string, _d: string, close: string) => `${open}${JSON.stringify(rest).replace(/</g, '\\u003c')}${close}`));
    const check = await openReport(browser, file, 'sweep-one-missing');
    expect(problems(check)).toEqual(['report state: failed', 'console error: dmaload report: no data for plot "sweep-x1-p99"', 'sweep-x1-p99: no canvas']);
    expect(check.canvases).toBe(17);
  });
});
