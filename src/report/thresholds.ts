/**
 * Pass/fail thresholds on a run result (`--fail-if`), for CI gates.
 *
 * Grammar: `[<device>.]<metric><op><value>`
 *   - `<device>`: a device id (the threshold applies to that device); absent = the run's totals.
 *     Device ids may contain dots: the metric is whatever follows the last dot.
 *   - `<metric>`: latency p50, p90, p99, p999 (also written p99.9, as the tables label it), max,
 *     mean (value: a number with a unit ns, us, µs, ms or s — required: `p99<50` is refused, not
 *     read as 50 ns), or opsPerSec, bytesPerSec, ops, bytes, errors (value: a
 *     plain number, scientific notation allowed: `1e6`; bytesPerSec also takes a rate such as
 *     `2GB/s` or `512MiB/s`, bytes a size such as `4GiB`). errors = submitted − statuses.success.
 *   - `<op>`: <, <=, > or >=.
 * Spaces around the operator are allowed. Values are stored in base units (ns, bytes, ops).
 * Units follow common/units.ts: kB (or KB), MB, GB, TB are powers of 1000, KiB, MiB, GiB, TiB
 * powers of 1024; a bare K, M, G or T is not a size here (the prefix must say which).
 *
 * A latency threshold on a subject that completed no descriptors fails (its percentiles are
 * undefined, not 0): a run that did nothing must not pass a latency gate.
 */

import { formatCount, formatExact, formatNs, formatSi, PREFIXED_SIZE_UNITS, sizeUnitBytes, timeUnitNs } from '../common/units.js';
import { BadInputError } from '../run/errors.js';
import type { RunResult } from '../run/result.js';

export const LATENCY_METRICS = ['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const;
export const COUNT_METRICS = ['opsPerSec', 'bytesPerSec', 'ops', 'bytes', 'errors'] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];
export type CountMetric = (typeof COUNT_METRICS)[number];
export type ThresholdMetric = LatencyMetric | CountMetric;
export type ThresholdOp = '<' | '<=' | '>' | '>=';

export interface Threshold {
  /** The text as given (trimmed), echoed in reports. */
  text: string;
  /** Device id, or null for the run's totals. */
  device: string | null;
  metric: ThresholdMetric;
  op: ThresholdOp;
  /** In base units: ns for latency metrics, bytes/s, bytes, ops/s, ops. */
  value: number;
}

export interface ThresholdResult {
  /** The threshold's text. */
  threshold: string;
  /** The measured value, base units; NaN when undefined (latency of a subject with no ops). */
  actual: number;
  passed: boolean;
  /** 'total' or the device id. */
  subject: string;
  metric: ThresholdMetric;
  /** The threshold's value, base units. */
  limit: number;
}

const GRAMMAR =
  'expected [<device>.]<metric><op><value>: metric p50, p90, p99, p999, max, mean, opsPerSec, bytesPerSec, ' +
  'ops, bytes or errors; op <, <=, > or >= (e.g. p99<50us, dsa0.p999<=2ms, opsPerSec>1e6, errors<=0)';

/** Same rule as profile ids (profile/schema.ts). */
const DEVICE_ID_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const THRESHOLD_RE = /^(.*?)\s*(<=|>=|<|>)\s*(.*)$/;
const NUMBER_RE = /^((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)$/;

const SIZE_UNIT_LIST = 'B, kB, MB, GB, TB, KiB, MiB, GiB or TiB';

function isLatency(m: ThresholdMetric): m is LatencyMetric {
  return (LATENCY_METRICS as readonly string[]).includes(m);
}

function isMetric(m: string): m is ThresholdMetric {
  return (LATENCY_METRICS as readonly string[]).includes(m) || (COUNT_METRICS as readonly string[]).includes(m);
}

/**
 * Parse one threshold. `flag` only names the option in error messages.
 * @throws BadInputError naming the text and what was expected.
 */
export function parseThreshold(text: string, flag = '--fail-if'): Threshold {
  const t = text.trim();
  const fail = (why: string): never => {
    throw new BadInputError(`${flag} "${text}": ${why}`);
  };
  const m = THRESHOLD_RE.exec(t);
  if (!m) return fail(GRAMMAR);
  const [, lhs = '', op = '', rhs = ''] = m;
  if (lhs === '') return fail(`no metric before "${op}"; ${GRAMMAR}`);
  if (/[<>=]/.test(lhs)) return fail(`malformed comparison; ${GRAMMAR}`);
  if (/[<>=]/.test(rhs)) return fail(`more than one comparison; ${GRAMMAR}`);
  if (rhs === '') return fail(`no value after "${op}"; ${GRAMMAR}`);

  // p99.9 is p999 as every table labels it; its dot is not a device separator.
  const alias = lhs === 'p99.9' || lhs.endsWith('.p99.9');
  const base = alias ? `${lhs.slice(0, -'p99.9'.length)}p999` : lhs;
  const dot = base.lastIndexOf('.');
  const device = dot >= 0 ? base.slice(0, dot) : null;
  const metric = dot >= 0 ? base.slice(dot + 1) : base;
  if (device !== null && !DEVICE_ID_RE.test(device)) {
    return fail(
      device === ''
        ? `empty device id before ".${metric}"; ${GRAMMAR}`
        : `"${device}" is not a device id (a letter, then letters, digits, "_", "." or "-"); ${GRAMMAR}`,
    );
  }
  if (!isMetric(metric)) {
    return fail(
      `unknown metric "${metric}"; expected one of ${[...LATENCY_METRICS, ...COUNT_METRICS].join(', ')} (p999 also as p99.9) ` +
        `(optionally after a device id and ".", e.g. dsa0.p99<50us)`,
    );
  }

  const num = NUMBER_RE.exec(rhs);
  if (!num) {
    return fail(
      isLatency(metric)
        ? `"${rhs}" is not a latency; expected a non-negative number with an optional unit ns, us, ms or s (e.g. 50us)`
        : `"${rhs}" is not a number; expected a non-negative number such as 1000 or 1e6`,
    );
  }
  const [, digits = '', unit = ''] = num;
  let scale = 1;
  if (isLatency(metric)) {
    if (unit === '') return fail(`"${rhs}" has no unit; a latency needs one of ns, us, ms or s (e.g. ${digits}us)`);
    const s = timeUnitNs(unit);
    if (s === undefined) return fail(`unknown unit "${unit}"; expected ns, us, ms or s`);
    scale = s;
  } else if (metric === 'bytesPerSec' || metric === 'bytes') {
    if (unit !== '') {
      const rate = unit.endsWith('/s');
      const size = rate ? unit.slice(0, -2) : unit;
      const s = sizeUnitBytes(size, PREFIXED_SIZE_UNITS);
      if (s === undefined || (rate && metric === 'bytes')) {
        return fail(
          metric === 'bytes'
            ? `unknown unit "${unit}"; bytes takes a plain number or a size in ${SIZE_UNIT_LIST} (e.g. 4GiB)`
            : `unknown unit "${unit}"; bytesPerSec takes a plain number or a rate in ${SIZE_UNIT_LIST}, ` +
                `optionally followed by /s (e.g. 2GB/s, 512MiB/s)`,
        );
      }
      scale = s;
    }
  } else if (unit !== '') {
    return fail(`${metric} takes a plain number (e.g. 1e6), not "${unit}"`);
  }
  const value = Number(digits) * scale;
  if (!Number.isFinite(value)) return fail(`value "${rhs}" is out of range`);
  return { text: t, device, metric, op: op as ThresholdOp, value };
}

/**
 * Before a run: every device a threshold names must be one of the run's (`deviceIds`).
 * @throws BadInputError naming the threshold and the devices there are.
 */
export function checkThresholdDevices(ts: readonly Threshold[], deviceIds: readonly string[], flag = '--fail-if'): void {
  for (const t of ts) {
    if (t.device !== null && !deviceIds.includes(t.device)) {
      throw new BadInputError(
        `${flag} "${t.text}": no device "${t.device}" in this run; ` + (deviceIds.length > 0 ? `its devices are ${deviceIds.join(', ')}` : 'it has no devices'),
      );
    }
  }
}

interface Subject {
  submitted: number;
  ops: number;
  bytes: number;
  opsPerSec: number;
  bytesPerSec: number;
  latencyNs: Record<LatencyMetric, number>;
  statuses: Record<string, number>;
}

function measure(s: Subject, metric: ThresholdMetric): number {
  if (isLatency(metric)) return s.ops > 0 ? s.latencyNs[metric] : Number.NaN;
  if (metric === 'errors') return s.submitted - (s.statuses['success'] ?? 0);
  return s[metric];
}

function compare(actual: number, op: ThresholdOp, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
  }
}

/**
 * Evaluate thresholds against a result, in order.
 * @throws BadInputError if a threshold names a device the result does not have.
 */
export function evaluateThresholds(r: RunResult, ts: readonly Threshold[]): ThresholdResult[] {
  return ts.map((t) => {
    let subject: Subject;
    if (t.device === null) {
      subject = r.totals;
    } else {
      const d = r.devices.find((dev) => dev.id === t.device);
      if (!d) {
        const ids = r.devices.map((dev) => dev.id);
        throw new BadInputError(
          `--fail-if "${t.text}": no device "${t.device}" in this run; ` +
            (ids.length > 0 ? `its devices are ${ids.join(', ')}` : 'it has no devices'),
        );
      }
      subject = d;
    }
    const actual = measure(subject, t.metric);
    return {
      threshold: t.text,
      actual,
      passed: !Number.isNaN(actual) && compare(actual, t.op, t.value),
      subject: t.device ?? 'total',
      metric: t.metric,
      limit: t.value,
    };
  });
}

function display(metric: ThresholdMetric, v: number): string {
  if (isLatency(metric)) return formatNs(v);
  switch (metric) {
    case 'opsPerSec':
      return `${formatSi(v)}ops/s`;
    case 'bytesPerSec':
      return `${formatSi(v)}B/s`;
    case 'bytes':
      return `${formatCount(v)} B`;
    default:
      return formatCount(v);
  }
}

function exact(metric: ThresholdMetric, v: number): string {
  const n = formatExact(v);
  if (isLatency(metric)) return `${n} ns`;
  if (metric === 'opsPerSec') return `${n} ops/s`;
  if (metric === 'bytesPerSec') return `${n} B/s`;
  return n;
}

/**
 * One line per threshold: `PASS p99<50us: total p99 = 31.2 µs` / `FAIL dsa0.p99<50us: dsa0 p99 = 84.1 µs`.
 * When the rounded value would read the same as the limit, the exact value follows in parentheses.
 */
export function formatThresholdReport(results: readonly ThresholdResult[]): string {
  return results
    .map((res) => {
      const status = res.passed ? 'PASS' : 'FAIL';
      let value: string;
      if (Number.isNaN(res.actual)) {
        value = 'n/a (no completed operations)';
      } else {
        value = display(res.metric, res.actual);
        if (res.actual !== res.limit && value === display(res.metric, res.limit)) {
          value += ` (${exact(res.metric, res.actual)})`;
        }
      }
      return `${status} ${res.threshold}: ${res.subject} ${res.metric} = ${value}`;
    })
    .join('\n');
}

/** True when every threshold passed (an empty list passes). */
export function allPassed(results: readonly ThresholdResult[]): boolean {
  return results.every((r) => r.passed);
}
