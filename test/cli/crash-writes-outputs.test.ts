// Failure is data at the command (issue 12): when a device crashes, `run` still prints its
// summary and writes every output asked for — the JSON valid against the strict result schema,
// with the failure and each device's outcome — and then fails with the crash's own cause (exit 1).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/cli/run/handler.js';
import { RunFailedError } from '../../src/run/errors.js';
import { runResultSchema } from '../../src/run/result-schema.js';

describe('a crashed device: the outputs are written, then exit 1 with the cause', () => {
  it('run --json --html --hgrm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dmaload-crash-'));
    const json = join(dir, 'r.json');
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let e: unknown;
    let printed = '';
    try {
      await runCommand({
        profile: 'profiles/quickstart.yaml',
        timing: 'modelled',
        seed: undefined,
        duration: 60,
        json,
        hgrm: join(dir, 'h'),
        html: join(dir, 'r.html'),
        hlog: undefined,
        csv: undefined,
        interval: undefined,
        failIf: [],
        quiet: false,
        testHooks: { 1: { crashAfterDescriptors: 500, crashMode: 'throw' } },
      });
    } catch (x) {
      e = x;
    } finally {
      printed = out.mock.calls.map((c) => String(c[0])).join('');
      out.mockRestore();
    }
    expect(e).toBeInstanceOf(RunFailedError);
    expect((e as Error).message).toMatch(/^device dsa1 crashed: injected crash after \d+ descriptors$/);
    const r = runResultSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(r.failure).toBe((e as Error).message);
    expect(r.devices.map((d) => d.outcome?.status)).toEqual(['completed', 'crashed']);
    expect(r.devices[0]!.ops).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'r.html'))).toBe(true);
    expect(existsSync(join(dir, 'h', 'dsa0.hgrm'))).toBe(true);
    expect(printed).toMatch(/^FAILED: device dsa1 crashed: /m);
  });
});
