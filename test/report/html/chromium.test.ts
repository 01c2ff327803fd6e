/**
 * Opens rendered reports in a real headless Chromium (system /usr/bin/chromium, driven by
 * playwright-core, which ships no browser) and checks: no console or page errors, no network
 * requests besides the report file itself (and data: URLs), and the plots were drawn.
 * Skipped when /usr/bin/chromium is absent. Screenshots go to os.tmpdir(), never the repo.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { renderCompareReport } from '../../../src/report/html/compare.js';
import { renderRunReport } from '../../../src/report/html/run.js';
import { makeCompareResult, makeRunResult } from '../fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Runs in the page: per plot container, whether it has a canvas and how many series pixels. */
const INSPECT = `(() => {
  const plots = Array.from(document.querySelectorAll('.plot')).map((el) => {
    const canvas = el.querySelector('canvas');
    let coloured = 0;
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        // series strokes are saturated colours; axes, grid and text are grey/black
        if (px[i + 3] > 128 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 60) coloured++;
      }
    }
    return { id: el.id, canvas: canvas !== null, coloured, legend: el.querySelectorAll('.u-legend .u-series').length };
  });
  return { canvases: document.querySelectorAll('canvas').length, plots };
})()`;

interface PageCheck {
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  canvases: number;
  /** Per plot container: canvas present, count of coloured (series) pixels. */
  plots: { id: string; canvas: boolean; coloured: number; legend: number }[];
  screenshot: string;
}

const available = existsSync(CHROMIUM);

if (!available) {
  describe('HTML report in Chromium', () => {
    it.skip(`needs ${CHROMIUM} (not installed here): real-browser check skipped`, () => {});
  });
} else describe('HTML report in Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'dmaload-chromium-'));

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    // launch() gives each browser a fresh temporary user data dir.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<PageCheck> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    context.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForFunction("document.querySelectorAll('.plot canvas').length > 0", undefined, { timeout: 10_000 });
    // uPlot draws on the next animation frame; give it two. (Browser code as strings: the test
    // compilation has no DOM lib.)
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined))))');
    const result = (await page.evaluate(INSPECT)) as Pick<PageCheck, 'canvases' | 'plots'>;
    const screenshot = join(tmpdir(), `dmaload-report-${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
    await context.close();
    return { consoleErrors, pageErrors, requests, screenshot, ...result };
  }

  function expectClean(check: PageCheck, file: string): void {
    expect(check.consoleErrors).toEqual([]);
    expect(check.pageErrors).toEqual([]);
    const self = pathToFileURL(file).href;
    expect(check.requests).toContain(self); // the listener works
    const foreign = check.requests.filter((u) => u !== self && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    for (const p of check.plots) {
      expect(p.canvas, `${p.id} has a canvas`).toBe(true);
      expect(p.coloured, `${p.id} has drawn series`).toBeGreaterThan(200);
      expect(p.legend, `${p.id} has a legend`).toBeGreaterThan(1);
    }
  }

  it('run report: plots drawn, no errors, no network', async () => {
    const r = makeRunResult({ profile: 'chromium <check> & "quotes"', invalidation: true, faults: true });
    const check = await open('run', renderRunReport(r));
    expectClean(check, join(dir, 'run.html'));
    // total + one per device + 3 over time
    expect(check.plots.length).toBe(1 + r.devices.length + 3);
    expect(check.canvases).toBeGreaterThanOrEqual(check.plots.length);
  });

  it('compare report: plots drawn, no errors, no network', async () => {
    const check = await open('compare', renderCompareReport(makeCompareResult()));
    expectClean(check, join(dir, 'compare.html'));
    expect(check.plots.map((p) => p.id)).toEqual(['pct-compare-total', 'tp-compare-ops']);
  });
});
