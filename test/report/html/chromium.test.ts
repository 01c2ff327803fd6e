/**
 * Opens rendered run and compare reports in a real headless Chromium (./browser.ts) and checks:
 * no console or page errors, no network requests besides the report file itself (and data:
 * URLs), and the plots were drawn, each with a legend. Skipped when /usr/bin/chromium is absent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { renderCompareReport } from '../../../src/report/html/compare.js';
import { renderRunReport } from '../../../src/report/html/run.js';
import { makeCompareResult, makeRunResult } from '../fixtures.js';
import { CHROMIUM, chromiumAvailable, launchChromium, openReport, type PageCheck, problems } from './browser.js';

if (!chromiumAvailable) {
  describe('HTML report in Chromium', () => {
    it.skip(`needs ${CHROMIUM} (not installed here): real-browser check skipped`, () => {});
  });
} else describe('HTML report in Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'dmaload-chromium-'));

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<PageCheck> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const check = await openReport(browser, file, name);
    console.log(`screenshot: ${check.screenshot}`);
    return check;
  }

  it('run report: plots drawn, no errors, no network', async () => {
    const r = makeRunResult({ profile: 'chromium <check> & "quotes"', invalidation: true, faults: true });
    const check = await open('run', renderRunReport(r));
    expect(problems(check)).toEqual([]);
    // total + one per device + 3 over time
    expect(check.plots.length).toBe(1 + r.devices.length + 3);
    expect(check.canvases).toBeGreaterThanOrEqual(check.plots.length);
  });

  it('compare report: plots drawn, no errors, no network', async () => {
    const check = await open('compare', renderCompareReport(makeCompareResult()));
    expect(problems(check)).toEqual([]);
    expect(check.plots.map((p) => p.id)).toEqual(['pct-compare-total', 'tp-compare-ops']);
  });
});
