/**
 * Export latency data from a run result (`dmaload run --json`) or an HdrHistogram interval log
 * (`.hlog`, read by report/hlog.ts) as `.hgrm` percentile files (report/hgrm.ts), a
 * per-interval CSV (report/csv.ts), or a JSON summary. The input kind is detected from the
 * content, not the file name.
 *
 * Histograms are always merged exactly (decoded and `add`ed bucket by bucket); percentiles are
 * never averaged. Values are latencies in nanoseconds.
 */

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { encodeHistogram, type Histogram, type LatencySummaryNs, newMergeHistogram, summarise } from '../metrics/histogram.js';
import { BadInputError } from '../run/errors.js';
import type { CsvRow } from './csv.js';
import { type HgrmSeries, writeHgrmFiles } from './hgrm.js';
import { decodeFileHistogram, mergeExact } from './histograms.js';
import { type HlogFile, tryParseHlog } from './hlog.js';

export type ExportFormat = 'hgrm' | 'csv' | 'json';

/** What an export input must be, for error messages. */
export const EXPORT_INPUT_EXPECTED =
  'expected a run result (the JSON written by `dmaload run --json`) or an HdrHistogram interval log (.hlog)';

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

/** One histogram series of an input: a device (run result) or a tag (hlog). */
export type ExportSeries = HgrmSeries;

export interface ExportInput {
  kind: 'result' | 'hlog';
  path: string;
  /** Intervals in the input: interval points of a result; interval lines of an hlog. */
  intervalCount: number;
  /** Exact merged histograms per series and in total. @throws BadInputError if the input has none. */
  histograms(): { series: readonly ExportSeries[]; total: Histogram };
  /** Per-interval rows. @throws BadInputError if the input has no intervals. */
  csvRows(): CsvRow[];
}

function preview(line: string): string {
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
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

function histogramString(v: unknown, where: string): string {
  if (typeof v !== 'string') {
    throw new BadInputError(`${where}: expected a histogram (HdrHistogram compressed base64 string), got ${describe(v)}`);
  }
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
        return { id, histogram: decodeFileHistogram(histogramString(byDevice[id], `${path}: histograms.devices.${id}`), `${path}: histograms.devices.${id}`) };
      });
      const total =
        h['total'] !== undefined
          ? decodeFileHistogram(histogramString(h['total'], `${path}: histograms.total`), `${path}: histograms.total`)
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

/** Write one `.hgrm` per series plus `all.hgrm` (the total) into `dir`. Returns the paths written. */
export function writeHgrmExport(input: ExportInput, dir: string): string[] {
  const { series, total } = input.histograms();
  return writeHgrmFiles(dir, series, total);
}

/** `<input without extension>-hgrm` (a directory) / `<input without extension>.csv`; json: undefined = stdout. */
export function defaultExportOut(input: string, format: ExportFormat): string | undefined {
  const stem = input.slice(0, input.length - extname(input).length);
  if (format === 'hgrm') return `${stem}-hgrm`;
  if (format === 'csv') return `${stem}.csv`;
  return undefined;
}
