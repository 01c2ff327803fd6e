/**
 * The real-browser check of a report (not a test file itself): open an HTML file in the system
 * Chromium (/usr/bin/chromium, driven by playwright-core, which ships no browser), wait until the
 * report's script says it is done (`data-report-state` on the document element, then two
 * animation frames for uPlot's drawing), and gather what a reader would see go wrong: console
 * errors and warnings, page errors, network requests besides the file itself (and data: URLs),
 * plot containers without a canvas, without drawn series or without a legend. `problems` words
 * each as one line, so a test asserts the list (empty for a good page, exact for a broken one).
 * Screenshots go to os.tmpdir(), never the repo.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);

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

/** How long the report's script may take to say it is done (ms). */
const READY_TIMEOUT_MS = 10_000;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // launch() gives each browser a fresh temporary user data dir.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** Runs in the page: per plot container, its canvas, coloured (series) pixels and legend labels. */
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
    const legend = Array.from(el.querySelectorAll('.u-legend .u-series .u-label')).map((l) => l.textContent);
    return { id: el.id, canvas: canvas !== null, coloured, legend };
  });
  return { state: document.documentElement.dataset.reportState ?? null, canvases: document.querySelectorAll('canvas').length, plots };
})()`;

export interface PlotCheck {
  id: string;
  canvas: boolean;
  /** Pixels in saturated colours: the series drawn. */
  coloured: number;
  /** The legend's labels, the x series first. */
  legend: string[];
}

export interface PageCheck {
  file: string;
  /** The report script's `data-report-state`: 'drawn', 'failed', or null when it never finished. */
  state: string | null;
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  canvases: number;
  plots: PlotCheck[];
  screenshot: string;
}

/** Open `file` in a fresh context of `browser` and gather what the report did. */
export async function openReport(browser: Browser, file: string, name: string): Promise<PageCheck> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  try {
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
    // (Browser code as strings: the test compilation has no DOM lib.) A script that never
    // finishes leaves the state null, reported by `problems`.
    await page.waitForFunction('document.documentElement.dataset.reportState !== undefined', undefined, { timeout: READY_TIMEOUT_MS }).catch(() => undefined);
    // uPlot draws on the next animation frame; give it two.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined))))');
    const result = (await page.evaluate(INSPECT)) as Pick<PageCheck, 'state' | 'canvases' | 'plots'>;
    const screenshot = join(tmpdir(), `dmaload-report-${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { file, consoleErrors, pageErrors, requests, screenshot, ...result };
  } finally {
    await context.close();
  }
}

/** What went wrong on the page, a line each; empty for a report drawn cleanly. */
export function problems(check: PageCheck): string[] {
  const out: string[] = [];
  if (check.state !== 'drawn') out.push(`report state: ${check.state ?? 'never finished'}`);
  out.push(...check.consoleErrors.map((e) => `console ${e}`));
  out.push(...check.pageErrors.map((e) => `page error: ${e}`));
  const self = pathToFileURL(check.file).href;
  if (!check.requests.includes(self)) out.push(`the request listener saw no request for ${self}`);
  out.push(...check.requests.filter((u) => u !== self && !u.startsWith('data:')).map((u) => `network request: ${u}`));
  for (const p of check.plots) {
    if (!p.canvas) out.push(`${p.id}: no canvas`);
    else if (p.coloured <= 200) out.push(`${p.id}: no series drawn (${p.coloured} coloured pixels)`);
    if (p.canvas && p.legend.length <= 1) out.push(`${p.id}: no legend entries`);
  }
  return out;
}
