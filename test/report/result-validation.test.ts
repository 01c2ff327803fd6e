// Results read back by `report` and `export` are validated with the result schema: each problem
// is one line naming the file, the JSON path, what was expected and what was there; results
// written before intervals and histograms existed are still accepted, nothing else is missing.
import { describe, expect, it } from 'vitest';

import { MAX_PROBLEMS, validCompareResult, validRunResult } from '../../src/report/result-input.js';
import { BadInputError } from '../../src/run/errors.js';
import { runResultSchema } from '../../src/run/result-schema.js';
import { makeCompareResult, makeRunResult } from './fixtures.js';

/** A result as read from a file: plain JSON, free to break. */
const json = <T>(v: T): Record<string, unknown> & T => JSON.parse(JSON.stringify(v)) as Record<string, unknown> & T;

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return (e as Error).message.split('\n');
  }
  throw new Error('expected a BadInputError');
}

describe('run result validation', () => {
  it('accepts a result as a run writes it', () => {
    const r = json(makeRunResult({ invalidation: true, faults: true }));
    expect(validRunResult(r, 'r.json')).toEqual(r);
  });

  it('names the path, the expectation and the value of each problem', () => {
    const r = json(makeRunResult());
    (r.devices[0] as unknown as Record<string, unknown>)['ops'] = 'many';
    (r.devices[1] as unknown as Record<string, unknown>)['loop'] = 'sideways';
    delete (r.totals as Partial<typeof r.totals>).bytes;
    (r.iommus[0]!.iotlb as Record<string, unknown>)['hitRate'] = 3;
    (r.devices[0] as unknown as Record<string, unknown>)['opz'] = 1;
    expect(problems(() => validRunResult(r, 'r.json'))).toEqual([
      'r.json: totals.bytes: missing; expected an integer of at least 0',
      'r.json: devices[0].ops: expected an integer of at least 0, got "many"',
      'r.json: devices[0].opz: unknown key "opz"; did you mean "ops"?',
      'r.json: devices[1].loop: expected one of: closed, open, got "sideways"',
      'r.json: iommus[0].iotlb.hitRate: expected a number from 0 to 1, got 3',
    ]);
  });

  it('accepts a result without intervals and histograms (older results) but requires every other field', () => {
    const old = json(makeRunResult());
    delete (old as Partial<typeof old>).intervals;
    delete (old as Partial<typeof old>).histograms;
    expect(validRunResult(old, 'old.json').histograms).toBeUndefined();
    // What a run writes has them: the strict schema requires them.
    expect(runResultSchema.safeParse(old).success).toBe(false);
    delete (old as Partial<typeof old>).memory;
    expect(problems(() => validRunResult(old, 'old.json'))).toEqual(['old.json: memory: missing; expected an object']);
  });

  it(`lists at most ${MAX_PROBLEMS} problems and counts the rest`, () => {
    const r = json(makeRunResult());
    r.devices = r.devices.map((d) => ({ id: d.id }) as unknown as (typeof r.devices)[number]);
    const lines = problems(() => validRunResult(r, 'r.json'));
    expect(lines).toHaveLength(MAX_PROBLEMS + 1);
    expect(lines.at(-1)).toMatch(/^r\.json: … and \d+ more problem\(s\)$/);
  });
});

describe('compare result validation', () => {
  it('validates each run with the run result schema, naming the strategy in the path', () => {
    const c = json(makeCompareResult());
    (c.runs['per-device']!.devices[0] as unknown as Record<string, unknown>)['ops'] = null;
    expect(problems(() => validCompareResult(c, 'c.json'))).toEqual([
      'c.json: runs["per-device"].devices[0].ops: expected an integer of at least 0, got null',
    ]);
  });

  it('reports a strategy without a run first, also when other fields are missing', () => {
    expect(problems(() => validCompareResult({ strategies: ['a'], runs: {}, metrics: [] }, 'bc.json'))[0]).toBe(
      'bc.json: compare result has no run for strategy "a"',
    );
  });
});
