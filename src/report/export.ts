/**
 * Export latency data from a run result (`dmaload run --json`) or an HdrHistogram interval log
 * (`.hlog`, as written by hdr-histogram-js's HistogramLogWriter) as `.hgrm` percentile files,
 * a per-interval CSV, or a JSON summary. The input kind is detected from the content.
 *
 * Histograms are always merged exactly (decoded and `add`ed bucket by bucket); percentiles are
 * never averaged. Values are latencies in nanoseconds.
 *
 * hlog format relied on (HdrHistogram log format 1.3):
 *   - lines starting with "#" are comments; `#[StartTime: <sec> …]` and `#[BaseTime: <sec> …]`
 *     are read for timestamps; the legend line starts with `"StartTimestamp"`; blank lines skip;
 *   - every other line is an interval: `[Tag=<tag>,]<startS>,<lengthS>,<max>,<base64>`, where
 *     base64 is a compressed HdrHistogram and `<max>` is the max divided by the writer's
 *     maxValueUnitRatio (default 1000; so it is not used: the histogram's own max is);
 *   - dmaload writes one tagged interval histogram per device per interval; tags are device ids.
 *     Lines without a tag are grouped under the tag "untagged".
 *   - timestamps: as HistogramLogReader, when no BaseTime is given and the first interval's start
 *     is more than a year before StartTime, timestamps are relative to StartTime; otherwise absolute.
 *     CSV `tS` is the interval end in seconds since StartTime (or as written when there is none).
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import {
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  type LatencySummaryNs,
  newMergeHistogram,
  percentileDistribution,
  summarise,
} from '../metrics/histogram.js';
import { BadInputError } from '../run/errors.js';
import { CSV_HEADER } from './streams.js';

export type ExportFormat = 'hgrm' | 'csv' | 'json';

/** What an export input must be, for error messages. */
export const EXPORT_INPUT_EXPECTED =
  'expected a run result (the JSON written by `dmaload run --json`) or an HdrHistogram interval log (.hlog)';

/** The tag of hlog interval lines that carry none. */
export const UNTAGGED = 'untagged';

// ---------------------------------------------------------------------------------------------
// Histograms

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decode a compressed base64 histogram ('' = empty); `where` names it in the error. */
export function decodeExportHistogram(encoded: unknown, where: string): Histogram {
  if (typeof encoded !== 'string') {
    throw new BadInputError(`${where}: expected a histogram (HdrHistogram compressed base64 string), got ${describe(encoded)}`);
  }
  if (encoded === '') return newMergeHistogram();
  if (!BASE64_RE.test(encoded) || encoded.length % 4 !== 0) {
    throw new BadInputError(`${where}: malformed histogram: not base64; expected HdrHistogram compressed base64 ("HISTF…")`);
  }
  try {
    return decodeHistogram(encoded);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new BadInputError(`${where}: malformed histogram (${why}); expected HdrHistogram compressed base64 ("HISTF…")`);
  }
}

/**
 * Merge exactly (bucket counts added). The result has the precision of the first non-empty input
 * (dmaload's own histograms: 3 significant digits, lowest discernible value 1 ns); an empty list
 * gives an empty histogram.
 *
 * The result is canonical: its `maxValue` is the highest value equivalent to the largest recorded
 * one, as in any decoded histogram. (hdr-histogram-js's `add` leaves the *lowest* equivalent value
 * when bucket layouts differ, so the max would otherwise depend on the merge path, and a summary
 * would not survive an encode/decode round trip.) Counts, hence percentiles, are unaffected.
 */
export function mergeExact(hs: readonly Histogram[]): Histogram {
  const first = hs.find((h) => h.totalCount > 0);
  let target: Histogram;
  if (first instanceof hdr.JsHistogram && (first.numberOfSignificantValueDigits !== 3 || first.lowestDiscernibleValue !== 1)) {
    target = hdr.build({
      useWebAssembly: false,
      bitBucketSize: 64,
      autoResize: true,
      lowestDiscernibleValue: first.lowestDiscernibleValue,
      highestTrackableValue: Math.max(2 ** 30, 2 * first.lowestDiscernibleValue),
      numberOfSignificantValueDigits: first.numberOfSignificantValueDigits as 3,
    });
  } else {
    target = newMergeHistogram();
  }
  for (const h of hs) if (h.totalCount > 0) target.add(h);
  return target.totalCount > 0 ? decodeHistogram(encodeHistogram(target)) : target;
}

// ---------------------------------------------------------------------------------------------
// hlog

export interface HlogInterval {
  tag: string;
  /** 1-based line number in the file. */
  line: number;
  /** Start and length as written, seconds. */
  startS: number;
  lengthS: number;
  /** Interval end, seconds since the log's StartTime (or as written when it has none). */
  tS: number;
  histogram: Histogram;
}

export interface HlogFile {
  startTimeSec: number | null;
  baseTimeSec: number | null;
  intervals: HlogInterval[];
}

const INTERVAL_RE = /^(?:Tag=([^,]*),)?([^,]*),([^,]*),([^,]*),([^,]*)$/;
const YEAR_S = 365 * 24 * 3600;

function round6(x: number): number {
  return Number(x.toFixed(6));
}

function preview(line: string): string {
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

/** `null` when `text` has no sign of being an hlog (no header, legend or interval line before the first bad line). */
function tryParseHlog(text: string, source: string): HlogFile | null {
  const lines = text.split(/\r\n|\r|\n/);
  let startTimeSec: number | null = null;
  let baseTimeSec: number | null = null;
  let base: number | undefined;
  let recognised = false;
  const intervals: HlogInterval[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const st = /^#\[StartTime:\s*([0-9.eE+-]+)/.exec(line);
      const bt = /^#\[BaseTime:\s*([0-9.eE+-]+)/.exec(line);
      if (st) startTimeSec = Number.parseFloat(st[1]!);
      if (bt) baseTimeSec = Number.parseFloat(bt[1]!);
      if (line.startsWith('#[')) recognised = true;
      continue;
    }
    if (line.startsWith('"StartTimestamp"') || line.startsWith('StartTimestamp')) {
      recognised = true;
      continue;
    }
    const m = INTERVAL_RE.exec(line);
    const fields = m ? [m[2]!, m[3]!, m[4]!].map((f) => f.trim()) : [];
    const nums = fields.map((f) => (f !== '' && /^[0-9.eE+-]+$/.test(f) ? Number(f) : Number.NaN));
    const b64 = m?.[5]?.trim() ?? '';
    if (!m || nums.some((n) => !Number.isFinite(n)) || b64 === '' || m[1] === '') {
      if (!recognised) return null;
      throw new BadInputError(
        `${source}:${i + 1}: expected an interval line "[Tag=<tag>,]<start s>,<length s>,<max>,<base64 histogram>", ` +
          `got "${preview(line)}"`,
      );
    }
    // Before any hlog header, only a line that looks like one (a "HISTF…" histogram) counts.
    if (!recognised && !b64.startsWith('HIST')) return null;
    recognised = true;
    const [startS = 0, lengthS = 0] = nums;
    if (base === undefined) {
      base = baseTimeSec ?? (startTimeSec !== null && startS < startTimeSec - YEAR_S ? startTimeSec : 0);
    }
    const endAbs = base + startS + lengthS;
    intervals.push({
      tag: m[1] ?? UNTAGGED,
      line: i + 1,
      startS,
      lengthS,
      tS: round6(startTimeSec !== null ? endAbs - startTimeSec : endAbs),
      histogram: decodeExportHistogram(b64, `${source}:${i + 1}`),
    });
  }
  if (!recognised) return null;
  return { startTimeSec, baseTimeSec, intervals };
}

/**
 * Parse an HdrHistogram interval log. `source` names the file in errors.
 * @throws BadInputError on a malformed line or histogram, or when it is not an hlog.
 */
export function parseHlog(text: string, source: string): HlogFile {
  const log = tryParseHlog(text, source);
  if (!log) throw new BadInputError(`${source}: not an HdrHistogram interval log; ${EXPORT_INPUT_EXPECTED}`);
  return log;
}

// ---------------------------------------------------------------------------------------------
// Inputs

export interface CsvRow {
  /** Interval end, seconds since the start. */
  tS: number;
  device: string;
  ops: number;
  /** null = not available (an interval of zero length). */
  opsPerSec: number | null;
  /** null = not available (an hlog has no bytes). */
  bytesPerSec: number | null;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
}

export interface ExportSeries {
  /** Device id (run result) or tag (hlog). */
  id: string;
  histogram: Histogram;
}

export interface ExportInput {
  kind: 'result' | 'hlog';
  path: string;
  /** Intervals in the input: interval points of a result; interval lines of an hlog. */
  intervalCount: number;
  /** Exact merged histograms per series and in total. @throws BadInputError if the input has none. */
  histograms(): { series: ExportSeries[]; total: Histogram };
  /** Per-interval rows. @throws BadInputError if the input has no intervals. */
  csvRows(): CsvRow[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `"${preview(v)}"`;
  return String(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadInputError(`${where}: expected a number, got ${describe(v)}`);
  return v;
}

function ownKeys(r: Record<string, unknown>): string[] {
  return Object.keys(r);
}

function resultInput(o: Record<string, unknown>, path: string): ExportInput {
  const devices = Array.isArray(o['devices']) ? o['devices'] : [];
  const deviceIds = devices.map((d, i) => {
    const id = isRecord(d) ? d['id'] : undefined;
    if (typeof id !== 'string') throw new BadInputError(`${path}: devices[${i}].id: expected a device id, got ${describe(id)}`);
    return id;
  });
  const intervals = o['intervals'];
  const points = isRecord(intervals) && Array.isArray(intervals['points']) ? (intervals['points'] as unknown[]) : null;
  return {
    kind: 'result',
    path,
    intervalCount: points?.length ?? 0,
    histograms() {
      const h = o['histograms'];
      if (!isRecord(h) || !isRecord(h['devices'])) {
        throw new BadInputError(
          `${path}: this run result has no histograms (written by an older dmaload?); ` +
            'expected a "histograms" field with per-device HdrHistograms',
        );
      }
      const byDevice = h['devices'];
      const ids = [...deviceIds, ...ownKeys(byDevice).filter((k) => !deviceIds.includes(k))];
      const series = ids.map((id, i) => {
        if (!Object.hasOwn(byDevice, id)) {
          // A device that completed nothing may be left out; one that did must be there.
          const d: unknown = devices[i];
          if (isRecord(d) && d['ops'] === 0) return { id, histogram: newMergeHistogram() };
          throw new BadInputError(`${path}: histograms.devices has no histogram for device "${id}"`);
        }
        return { id, histogram: decodeExportHistogram(byDevice[id], `${path}: histograms.devices.${id}`) };
      });
      const total =
        h['total'] !== undefined
          ? decodeExportHistogram(h['total'], `${path}: histograms.total`)
          : mergeExact(series.map((s) => s.histogram));
      return { series, total };
    },
    csvRows() {
      if (!points) {
        throw new BadInputError(
          `${path}: this run result has no intervals (written by an older dmaload?); expected an "intervals" field with "points"`,
        );
      }
      const rows: CsvRow[] = [];
      points.forEach((p, i) => {
        const where = `${path}: intervals.points[${i}]`;
        if (!isRecord(p) || !Array.isArray(p['devices'])) throw new BadInputError(`${where}: expected {tS, durationS, devices: [...]}`);
        const tS = num(p['tS'], `${where}.tS`);
        (p['devices'] as unknown[]).forEach((d, k) => {
          const w = `${where}.devices[${k}]`;
          if (!isRecord(d) || typeof d['id'] !== 'string') throw new BadInputError(`${w}: expected {id, ops, bytes, opsPerSec, …}`);
          rows.push({
            tS,
            device: d['id'],
            ops: num(d['ops'], `${w}.ops`),
            opsPerSec: num(d['opsPerSec'], `${w}.opsPerSec`),
            bytesPerSec: num(d['bytesPerSec'], `${w}.bytesPerSec`),
            p50Ns: num(d['p50'], `${w}.p50`),
            p99Ns: num(d['p99'], `${w}.p99`),
            maxNs: num(d['max'], `${w}.max`),
          });
        });
      });
      return rows;
    },
  };
}

function hlogInput(log: HlogFile, path: string): ExportInput {
  return {
    kind: 'hlog',
    path,
    intervalCount: log.intervals.length,
    histograms() {
      const byTag = new Map<string, Histogram[]>();
      for (const iv of log.intervals) {
        const list = byTag.get(iv.tag);
        if (list) list.push(iv.histogram);
        else byTag.set(iv.tag, [iv.histogram]);
      }
      const series = [...byTag].map(([id, hs]) => ({ id, histogram: mergeExact(hs) }));
      return { series, total: mergeExact(log.intervals.map((iv) => iv.histogram)) };
    },
    csvRows() {
      return log.intervals.map((iv) => {
        const s = summarise(iv.histogram);
        return {
          tS: iv.tS,
          device: iv.tag,
          ops: iv.histogram.totalCount,
          opsPerSec: iv.lengthS > 0 ? iv.histogram.totalCount / iv.lengthS : null,
          bytesPerSec: null,
          p50Ns: s.p50,
          p99Ns: s.p99,
          maxNs: s.max,
        };
      });
    },
  };
}

/**
 * Build an export input from file content (detected: JSON run result, else hlog).
 * @throws BadInputError naming `path` when it is neither, or malformed.
 */
export function parseExportInput(text: string, path: string): ExportInput {
  const body = text.trimStart();
  if (body === '') throw new BadInputError(`${path}: empty file; ${EXPORT_INPUT_EXPECTED}`);
  if (body.startsWith('{') || body.startsWith('[')) {
    let o: unknown;
    try {
      o = JSON.parse(body);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new BadInputError(`${path}: not valid JSON (${why}); ${EXPORT_INPUT_EXPECTED}`);
    }
    if (!isRecord(o) || !isRecord(o['totals']) || !Array.isArray(o['devices'])) {
      throw new BadInputError(`${path}: JSON, but not a dmaload run result (no "totals" and "devices"); ${EXPORT_INPUT_EXPECTED}`);
    }
    return resultInput(o, path);
  }
  const log = tryParseHlog(text, path);
  if (!log) throw new BadInputError(`${path}: neither a JSON run result nor an HdrHistogram interval log; ${EXPORT_INPUT_EXPECTED}`);
  if (log.intervals.length === 0) throw new BadInputError(`${path}: an HdrHistogram interval log with no interval histograms`);
  return hlogInput(log, path);
}

/** Read and detect an export input. @throws BadInputError (missing file, unreadable, neither kind, malformed). */
export function loadExportInput(path: string): ExportInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : e instanceof Error ? e.message : String(e);
    throw new BadInputError(`${path}: ${why}; ${EXPORT_INPUT_EXPECTED}`);
  }
  return parseExportInput(text, path);
}

// ---------------------------------------------------------------------------------------------
// Outputs

export interface LatencyExport {
  count: number;
  latencyNs: LatencySummaryNs;
  /** The exact merge, compressed base64 ('' when empty). */
  histogram: string;
}

export interface ExportSummary {
  source: 'hlog' | 'result';
  intervals: number;
  /** Device id (result) or tag (hlog) → its merged histogram. */
  tags: Record<string, LatencyExport>;
  total: LatencyExport;
}

function latencyExport(h: Histogram): LatencyExport {
  return { count: h.totalCount, latencyNs: summarise(h), histogram: encodeHistogram(h) };
}

/** The JSON summary; the same shape from a result and from an hlog, so the two compare. */
export function exportSummary(input: ExportInput): ExportSummary {
  const { series, total } = input.histograms();
  return {
    source: input.kind,
    intervals: input.intervalCount,
    tags: Object.fromEntries(series.map((s) => [s.id, latencyExport(s.histogram)])),
    total: latencyExport(total),
  };
}

/** The same columns as the CSV a run streams (`--csv`), defined once by its writer. */
export { CSV_HEADER };

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvNum(n: number | null, digits: number): string {
  return n === null ? '' : String(Number(n.toFixed(digits)));
}

/** CSV text, header first, one row per device per interval; empty bytesPerSec = not available. */
export function formatCsv(rows: readonly CsvRow[]): string {
  const lines = rows.map((r) =>
    [
      csvNum(r.tS, 6),
      csvField(r.device),
      String(r.ops),
      csvNum(r.opsPerSec, 3),
      csvNum(r.bytesPerSec, 3),
      String(r.p50Ns),
      String(r.p99Ns),
      String(r.maxNs),
    ].join(','),
  );
  return `${[CSV_HEADER, ...lines].join('\n')}\n`;
}

/**
 * File names for the series: the id when it is a safe file name (device ids are), otherwise
 * with unsafe characters replaced by "_"; "all" is the total's, and clashes get "-2", "-3"….
 */
export function hgrmFileNames(ids: readonly string[]): string[] {
  const used = new Set<string>(['all']);
  return ids.map((id) => {
    let stem = id.replace(/[^A-Za-z0-9_.-]/g, '_');
    if (stem === '' || stem.startsWith('.')) stem = `_${stem}`;
    let name = stem;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${stem}-${k}`;
    used.add(name.toLowerCase());
    return `${name}.hgrm`;
  });
}

/** Write one `.hgrm` per series plus `all.hgrm` (the total) into `dir`. Returns the paths written. */
export function writeHgrmExport(input: ExportInput, dir: string): string[] {
  const { series, total } = input.histograms();
  mkdirSync(dir, { recursive: true });
  const names = hgrmFileNames(series.map((s) => s.id));
  const written = series.map((s, i) => {
    const path = join(dir, names[i]!);
    writeFileSync(path, percentileDistribution(s.histogram));
    return path;
  });
  const all = join(dir, 'all.hgrm');
  writeFileSync(all, percentileDistribution(total));
  written.push(all);
  return written;
}

/** `<input without extension>-hgrm` (a directory) / `<input without extension>.csv`; json: undefined = stdout. */
export function defaultExportOut(input: string, format: ExportFormat): string | undefined {
  const stem = input.slice(0, input.length - extname(input).length);
  if (format === 'hgrm') return `${stem}-hgrm`;
  if (format === 'csv') return `${stem}.csv`;
  return undefined;
}
