import { describe, expect, it } from 'vitest';

import { ExitCode } from '../../src/cli/exit.js';
import { evaluateThresholds, formatThresholdReport, parseThreshold, type Threshold } from '../../src/report/thresholds.js';
import { BadInputError } from '../../src/run/errors.js';
import type { RunResult } from '../../src/run/result.js';

interface SubjectFixture {
  submitted: number;
  ops: number;
  bytes: number;
  opsPerSec: number;
  bytesPerSec: number;
  latencyNs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  statuses: Record<string, number>;
}

/**
 * Only the fields thresholds read. The full RunResult has dozens more (and is being extended
 * concurrently), so the fixture is cast rather than spelled out.
 */
function result(totals: SubjectFixture, devices: (SubjectFixture & { id: string })[]): RunResult {
  return { totals, devices } as unknown as RunResult;
}

const dsa0: SubjectFixture & { id: string } = {
  id: 'dsa0',
  submitted: 1000,
  ops: 1000,
  bytes: 4_096_000,
  opsPerSec: 800_000,
  bytesPerSec: 3.2e9,
  latencyNs: { p50: 20_000, p90: 40_000, p99: 84_100, p999: 1_500_000, max: 3_000_000, mean: 25_000 },
  statuses: { success: 1000, 'page-fault': 0 },
};
const dsa1: SubjectFixture & { id: string } = {
  id: 'dsa.wq1',
  submitted: 1010,
  ops: 1010,
  bytes: 4_136_960,
  opsPerSec: 900_000,
  bytesPerSec: 3.6e9,
  latencyNs: { p50: 10_000, p90: 15_000, p99: 20_000, p999: 30_000, max: 40_000, mean: 11_000 },
  statuses: { success: 1003, 'translation-fault': 7 },
};
const R = result(
  {
    submitted: 2010,
    ops: 2010,
    bytes: 8_232_960,
    opsPerSec: 1_700_000,
    bytesPerSec: 6.8e9,
    latencyNs: { p50: 15_000, p90: 35_000, p99: 31_200, p999: 1_000_000, max: 3_000_000, mean: 18_000 },
    statuses: { success: 2003, 'translation-fault': 7 },
  },
  [dsa0, dsa1],
);

function parseError(text: string): BadInputError {
  try {
    parseThreshold(text);
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return e as BadInputError;
  }
  throw new Error(`parseThreshold("${text}") did not throw`);
}

describe('parseThreshold', () => {
  it.each<[string, Omit<Threshold, 'text'>]>([
    ['p99<50us', { device: null, metric: 'p99', op: '<', value: 50_000 }],
    ['p50<=800ns', { device: null, metric: 'p50', op: '<=', value: 800 }],
    ['p99.9<1ms', { device: null, metric: 'p999', op: '<', value: 1_000_000 }],
    ['dsa0.p99.9<=2ms', { device: 'dsa0', metric: 'p999', op: '<=', value: 2_000_000 }],
    ['p90<800ns', { device: null, metric: 'p90', op: '<', value: 800 }],
    ['max<1.5ms', { device: null, metric: 'max', op: '<', value: 1_500_000 }],
    ['mean<2s', { device: null, metric: 'mean', op: '<', value: 2e9 }],
    ['p99<50µs', { device: null, metric: 'p99', op: '<', value: 50_000 }],
    ['p99<50μs', { device: null, metric: 'p99', op: '<', value: 50_000 }],
    ['dsa0.p999<=2ms', { device: 'dsa0', metric: 'p999', op: '<=', value: 2_000_000 }],
    ['dsa.wq1.p99>=1e3ns', { device: 'dsa.wq1', metric: 'p99', op: '>=', value: 1000 }],
    ['opsPerSec>1e6', { device: null, metric: 'opsPerSec', op: '>', value: 1e6 }],
    ['opsPerSec>=250000', { device: null, metric: 'opsPerSec', op: '>=', value: 250_000 }],
    ['bytesPerSec>2GB/s', { device: null, metric: 'bytesPerSec', op: '>', value: 2e9 }],
    ['dsa0.bytesPerSec>=512MiB/s', { device: 'dsa0', metric: 'bytesPerSec', op: '>=', value: 512 * 1024 ** 2 }],
    ['bytesPerSec>1.5e9', { device: null, metric: 'bytesPerSec', op: '>', value: 1.5e9 }],
    ['bytes>=4GiB', { device: null, metric: 'bytes', op: '>=', value: 4 * 1024 ** 3 }],
    ['ops>=1000', { device: null, metric: 'ops', op: '>=', value: 1000 }],
    ['errors<=0', { device: null, metric: 'errors', op: '<=', value: 0 }],
    ['  p99 < 50 us  ', { device: null, metric: 'p99', op: '<', value: 50_000 }],
  ])('parses %j', (text, expected) => {
    expect(parseThreshold(text)).toEqual({ text: text.trim(), ...expected });
  });

  it('names the text and the expected units for an unknown unit', () => {
    expect(parseError('p99<50xs').message).toBe('--fail-if "p99<50xs": unknown unit "xs"; expected ns, us, ms or s');
  });

  it.each([
    ['p99 50us', /"p99 50us": expected \[<device>\.\]<metric><op><value>/],
    ['p95<1ms', /"p95<1ms": unknown metric "p95"; expected one of p50, p90, p99, p999, max, mean, opsPerSec/],
    ['<1ms', /"<1ms": no metric before "<"/],
    ['p99<', /"p99<": no value after "<"/],
    ['p99=<5us', /"p99=<5us": malformed comparison/],
    ['p99<5us>1us', /more than one comparison/],
    ['p99<-5us', /"p99<-5us": "-5us" is not a latency; expected a non-negative number/],
    ['p99<fast', /"fast" is not a latency/],
    ['opsPerSec>lots', /"lots" is not a number/],
    ['opsPerSec>1M', /opsPerSec takes a plain number \(e\.g\. 1e6\), not "M"/],
    ['errors<=1ms', /errors takes a plain number/],
    ['bytesPerSec>2GB/h', /unknown unit "GB\/h"; bytesPerSec takes .* 2GB\/s, 512MiB\/s/],
    ['bytes>2GB/s', /unknown unit "GB\/s"; bytes takes a plain number or a size/],
    ['.p99<5us', /empty device id before "\.p99"/],
    ['0dsa.p99<5us', /"0dsa" is not a device id/],
    ['p99<1e999s', /out of range/],
    ['p99<50', /"50" has no unit; a latency needs one of ns, us, ms or s \(e\.g\. 50us\)/],
    ['', /expected \[<device>\.\]<metric><op><value>/],
  ])('rejects %j', (text, message) => {
    const e = parseError(text);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`--fail-if "${text}": `)).toBe(true);
  });

  it('names another flag when asked', () => {
    expect(() => parseThreshold('p99<5xs', '--gate')).toThrow(/^--gate "p99<5xs": /);
  });
});

describe('evaluateThresholds', () => {
  const evaluate = (...texts: string[]) => evaluateThresholds(R, texts.map((t) => parseThreshold(t)));

  it('passes and fails totals thresholds', () => {
    const res = evaluate('p99<50us', 'p99<30us', 'opsPerSec>1e6', 'opsPerSec>2e6', 'bytesPerSec>=6.8GB/s', 'ops>=2010', 'max<=3ms');
    expect(res.map((r) => [r.threshold, r.subject, r.actual, r.passed])).toEqual([
      ['p99<50us', 'total', 31_200, true],
      ['p99<30us', 'total', 31_200, false],
      ['opsPerSec>1e6', 'total', 1_700_000, true],
      ['opsPerSec>2e6', 'total', 1_700_000, false],
      ['bytesPerSec>=6.8GB/s', 'total', 6.8e9, true],
      ['ops>=2010', 'total', 2010, true],
      ['max<=3ms', 'total', 3_000_000, true],
    ]);
  });

  it('compares at the boundary according to the operator', () => {
    const res = evaluate('p99<31200ns', 'p99<=31200ns', 'p99>31200ns', 'p99>=31.2us');
    expect(res.map((r) => r.passed)).toEqual([false, true, false, true]);
  });

  it('counts errors as submitted minus successful completions', () => {
    const res = evaluate('errors<=0', 'dsa0.errors<=0', 'dsa.wq1.errors<=0', 'dsa.wq1.errors<10');
    expect(res.map((r) => [r.subject, r.actual, r.passed])).toEqual([
      ['total', 7, false],
      ['dsa0', 0, true],
      ['dsa.wq1', 7, false],
      ['dsa.wq1', 7, true],
    ]);
  });

  it('applies device thresholds to that device only', () => {
    const res = evaluate('dsa0.p99<50us', 'dsa.wq1.p99<50us', 'dsa0.opsPerSec>=850000', 'dsa.wq1.opsPerSec>=850000');
    expect(res.map((r) => [r.subject, r.actual, r.passed])).toEqual([
      ['dsa0', 84_100, false],
      ['dsa.wq1', 20_000, true],
      ['dsa0', 800_000, false],
      ['dsa.wq1', 900_000, true],
    ]);
  });

  it('rejects a device the run does not have, listing the ids', () => {
    expect(() => evaluate('dsa9.p99<50us')).toThrow(BadInputError);
    expect(() => evaluate('dsa9.p99<50us')).toThrow('--fail-if "dsa9.p99<50us": no device "dsa9" in this run; its devices are dsa0, dsa.wq1');
  });

  it('fails latency thresholds of a subject that completed nothing', () => {
    const idle = { ...dsa0, id: 'idle', ops: 0, submitted: 0, statuses: { success: 0 } };
    idle.latencyNs = { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    const r = result(R.totals as unknown as SubjectFixture, [idle]);
    const res = evaluateThresholds(r, [parseThreshold('idle.p99<50us'), parseThreshold('idle.errors<=0')]);
    expect(res[0]!.passed).toBe(false);
    expect(res[0]!.actual).toBeNaN();
    expect(res[1]!.passed).toBe(true);
    expect(formatThresholdReport(res)).toBe(
      'FAIL idle.p99<50us: idle p99 = n/a (no completed operations)\nPASS idle.errors<=0: idle errors = 0',
    );
  });
});

describe('formatThresholdReport', () => {
  it('prints one PASS/FAIL line per threshold', () => {
    const res = evaluateThresholds(
      R,
      ['p99<50us', 'dsa0.p99<50us', 'opsPerSec>1e6', 'bytesPerSec>2GB/s', 'errors<=0', 'bytes>0'].map((t) => parseThreshold(t)),
    );
    expect(formatThresholdReport(res).split('\n')).toEqual([
      'PASS p99<50us: total p99 = 31.2 µs',
      'FAIL dsa0.p99<50us: dsa0 p99 = 84.1 µs',
      'PASS opsPerSec>1e6: total opsPerSec = 1.70 Mops/s',
      'PASS bytesPerSec>2GB/s: total bytesPerSec = 6.80 GB/s',
      'FAIL errors<=0: total errors = 7',
      'PASS bytes>0: total bytes = 8,232,960 B',
    ]);
  });

  it('shows the exact value when the rounded one reads the same as the limit', () => {
    const r = result({ ...(R.totals as unknown as SubjectFixture), latencyNs: { ...R.totals.latencyNs, p99: 50_040 } }, []);
    const res = evaluateThresholds(r, [parseThreshold('p99<50us')]);
    expect(formatThresholdReport(res)).toBe('FAIL p99<50us: total p99 = 50.0 µs (50,040 ns)');
  });

  it('has a distinct exit status for failed thresholds', () => {
    expect(ExitCode.thresholdFailed).toBe(3);
    expect(new Set(Object.values(ExitCode)).size).toBe(Object.keys(ExitCode).length);
  });
});
