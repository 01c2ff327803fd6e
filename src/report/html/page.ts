/**
 * The page around a report: the document shell, its stylesheet, the Content-Security-Policy,
 * and the assets inlined into it so the file is self-contained — uPlot's minified JS and CSS
 * (read from node_modules) and the report's browser script, bundled at build time from
 * html/client.ts into `dist/report-client.js` (`npm run build`). The CSP forbids every fetch,
 * so a report cannot phone home even if a future edit adds an external reference by mistake.
 *
 * Leaves out: the report's content (html/run.ts, html/compare.ts) and what the browser script
 * does with the embedded data (html/client.ts).
 */

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml } from './blocks.js';
import { REPORT_DATA_ID, type ReportData } from './data.js';

/** Where the build writes the bundled browser script, relative to the package root. */
export const CLIENT_BUNDLE = 'dist/report-client.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:";

/**
 * The package root: the nearest directory above this module with a package.json — the
 * repository (or installed package) whether this runs compiled from `dist/src/report/html/` or
 * from `src/report/html/` under tsx.
 */
function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}: cannot find the report's client script`);
  }
}

/** The bundled browser script. @throws Error naming the file and the fix when it was not built. */
export function clientBundlePath(root = packageRoot()): string {
  const path = join(root, CLIENT_BUNDLE);
  if (!existsSync(path)) {
    throw new Error(`the HTML report's browser script ${path} is missing: build it with \`npm run build\``);
  }
  return path;
}

/** Text safe inside a `<script>` (or `<style>`) element: no closing tag in it. */
const inScript = (text: string, tag: 'script' | 'style'): string => text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');

let assets: { uplotJs: string; uplotCss: string; clientJs: string } | undefined;

function pageAssets(): { uplotJs: string; uplotCss: string; clientJs: string } {
  if (!assets) {
    const require = createRequire(import.meta.url);
    assets = {
      uplotJs: inScript(readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), 'script'),
      uplotCss: inScript(readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), 'style'),
      clientJs: inScript(readFileSync(clientBundlePath(), 'utf8'), 'script'),
    };
  }
  return assets;
}

/** JSON safe inside a `<script>` element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const STYLE = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #ffffff; --panel: #f6f7f9; --bad: #b3261e; --good: #1e7a35; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.meta b { color: var(--fg); font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 110px; }
.card-value { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card-label { color: var(--muted); font-size: 12px; }
.card.bad { border-color: var(--bad); }
.card.bad .card-value { color: var(--bad); }
.table-wrap { max-width: 100%; overflow-x: auto; margin: 6px 0 12px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
thead th { background: var(--panel); font-weight: 600; border-bottom: 2px solid var(--line); }
tbody th { font-weight: 500; }
.num { text-align: right; }
tr.sub th { padding-left: 26px; font-weight: 400; color: var(--muted); }
table.kv th { color: var(--muted); font-weight: 400; }
table.kv td { text-align: right; }
.bad { color: var(--bad); font-weight: 600; }
.good { color: var(--good); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
.plot-figure { margin: 12px 0 20px; }
.plot-figure figcaption { font-weight: 600; margin-bottom: 4px; display: flex; gap: 16px; align-items: baseline; }
.plot-ctl { font-weight: 400; font-size: 12px; color: var(--muted); cursor: pointer; user-select: none; }
.plot-ctl input { vertical-align: middle; margin: 0 4px 0 0; }
.plot { width: 100%; max-width: 820px; min-height: 300px; }
.plots-note { color: var(--muted); font-size: 12px; margin: 4px 0 8px; }
pre.json { background: var(--panel); border: 1px solid var(--line); padding: 8px; font-size: 12px; overflow-x: auto; }
.grid2 { display: flex; flex-wrap: wrap; gap: 0 32px; align-items: flex-start; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
.uplot .u-legend { font-size: 12px; }
.uplot .u-legend .u-value { font-variant-numeric: tabular-nums; }
`;

/** A whole report: `body` is its HTML, `data` the plots the browser script draws. */
export function page(title: string, body: string, data: ReportData): string {
  const { uplotJs, uplotCss, clientJs } = pageAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
<footer>Generated by dmaload. Self-contained: plots drawn with uPlot (MIT), inlined; no network access.</footer>
</main>
<script type="application/json" id="${REPORT_DATA_ID}">${scriptJson(data)}</script>
<script>${uplotJs}</script>
<script>${clientJs}</script>
</body>
</html>
`;
}
