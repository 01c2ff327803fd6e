// The browser script is a TypeScript file bundled at build time (dist/report-client.js, by
// `npm run build`, which `npm test` runs first): reports inline that bundle, found from the
// sources under tsx as from dist/ when compiled, and a missing bundle is a clear error.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_BUNDLE, clientBundlePath } from '../../../src/report/html/page.js';
import { renderRunReport } from '../../../src/report/html/run.js';
import { makeRunResult } from '../fixtures.js';

const empty = mkdtempSync(join(tmpdir(), 'dmaload-no-bundle-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('the report browser script', () => {
  it('is the built bundle, inlined as the last script of a report', () => {
    const bundle = readFileSync(clientBundlePath(), 'utf8');
    expect(clientBundlePath().endsWith(CLIENT_BUNDLE)).toBe(true);
    expect(bundle.length).toBeGreaterThan(1000);
    const html = renderRunReport(makeRunResult());
    const start = html.lastIndexOf('<script>') + '<script>'.length;
    const last = html.slice(start, html.indexOf('</script>', start));
    expect(html.slice(html.indexOf('</script>', start))).toMatch(/^<\/script>\s*<\/body>/);
    expect(last).toBe(bundle.replace(/<\/(script)/gi, '<\\/$1'));
    // It draws with the inlined uPlot and formats with common/units.ts (bundled, not copied).
    expect(last).toContain('uPlot');
    expect(last).toContain('B/s');
  });

  it('fails with a message naming the file and the fix when it was not built', () => {
    expect(() => clientBundlePath(empty)).toThrow(`the HTML report's browser script ${join(empty, CLIENT_BUNDLE)} is missing: build it with \`npm run build\``);
  });
});
