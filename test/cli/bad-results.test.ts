// A run result that breaks the result schema, given to `report` or `export` through the
// compiled CLI: exit 2, one line per problem naming the file, the JSON path and what was
// expected, never a stack trace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { makeRunResult } from '../report/fixtures.js';
import { linesOf, looksLikeStackTrace, runCli, TEST_TIMEOUT_MS } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dmaload-bad-results-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bad = join(dir, 'bad.json');
const r = JSON.parse(JSON.stringify(makeRunResult())) as Record<string, unknown> & { devices: Record<string, unknown>[] };
r.devices[1]!['ops'] = -3;
r.seed = 'seven';
writeFileSync(bad, JSON.stringify(r));

describe('a malformed run result', { timeout: TEST_TIMEOUT_MS }, () => {
  for (const args of [['report', bad], ['export', bad, '--format', 'json']]) {
    it(`dmaload ${args[0]}: exit 2, a line per problem with its JSON path`, async () => {
      const out = await runCli([...args, '--out', join(dir, `out-${args[0]}`)]);
      expect(out.status).toBe(2);
      expect(out.stdout).toBe('');
      expect(looksLikeStackTrace(out.stderr)).toBe(false);
      expect(linesOf(out.stderr)).toEqual([
        `dmaload: ${bad}: seed: expected an integer of at least 0, got "seven"`,
        `${bad}: devices[1].ops: expected an integer of at least 0, got -3`,
      ]);
    });
  }
});
