/**
 * Export latency data from a run result (`dmaload run --json`) or an HdrHistogram interval log
 * (`.hlog`, read by report/hlog.ts) as `.hgrm` percentile files (report/hgrm.ts), a
 * per-interval CSV (report/csv.ts), or a JSON summary. The input kind is detected from the
 * content, not the file name; a run result is validated with the result schema
 * (report/result-input.ts).
 *
 * Histograms are always merged exactly (decoded and `add`ed bucket by bucket); percentiles are
 * never averaged. Values are latencies in nanoseconds.
 */

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { readFailure } from '../common/read-failure.js';
import { formatCount, formatNs } from '../common/units.js';
import { encodeHistogram, type Histogram, type LatencySummaryNs, newMergeHistogram, summarise } from '../metrics/histogram.js';
import { isRecord } from '../profile/problems.js';
import { BadInputError } from '../run/errors.js';
import type { StoredRunResult } from '../run/result.js';
import type { CsvRow } from './csv.js';
import type { ExportFormat } from './export-formats.js';
import { type HgrmSeries, writeHgrmFiles } from './hgrm.js';
import { decodeFileHistogram, mergeExact } from './histograms.js';
import { type HlogFile, tryParseHlog } from './hlog.js';
import { validRunResult } from './result-input.js';


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

function resultInput(r: StoredRunResult, path: string): ExportInput {
  const deviceIds = r.devices.map((d) => d.id);
  return {
    kind: 'result',
    path,
    intervalCount: r.intervals?.points.length ?? 0,
    histograms() {
      const h = r.histograms;
      if (!h) {
        throw new BadInputError(
          `${path}: this run result has no histograms (written by an older dmaload?); ` +
            'expected a "histograms" field with per-device HdrHistograms',
        );
      }
      const ids = [...deviceIds, ...Object.keys(h.devices).filter((k) => !deviceIds.includes(k))];
      const series = ids.map((id, i) => {
        const encoded = h.devices[id];
        if (encoded === undefined) {
          // A device that completed nothing may be left out; one that did must be there.
          if (r.devices[i]?.ops === 0) return { id, histogram: newMergeHistogram() };
          throw new BadInputError(`${path}: histograms.devices has no histogram for device "${id}"`);
        }
        return { id, histogram: decodeFileHistogram(encoded, `${path}: histograms.devices.${id}`) };
      });
      return { series, total: decodeFileHistogram(h.total, `${path}: histograms.total`) };
    },
    csvRows() {
      if (!r.intervals) {
        throw new BadInputError(
          `${path}: this run result has no intervals (written by an older dmaload?); expected an "intervals" field with "points"`,
        );
      }
      return r.intervals.points.flatMap((p) =>
        p.devices.map((d) => ({
          tS: p.tS,
          device: d.id,
          ops: d.ops,
          opsPerSec: d.opsPerSec,
          bytesPerSec: d.bytesPerSec,
          p50Ns: d.p50,
          p99Ns: d.p99,
          maxNs: d.max,
        })),
      );
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
    return resultInput(validRunResult(o, path), path);
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
    throw new BadInputError(`${path}: ${readFailure(e)}; ${EXPORT_INPUT_EXPECTED}`);
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

/**
 * A markdown table of the latencies, one row per series and the total, for a pull request:
 * descriptors, p50, p90, p99, p99.9, max and mean (exact merges, never averaged percentiles).
 */
export function formatMarkdown(input: ExportInput): string {
  const s = exportSummary(input);
  const row = (name: string, e: LatencyExport) => {
    const l = e.latencyNs;
    return `| ${name} | ${formatCount(e.count)} | ${[l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map((v) => (e.count > 0 ? formatNs(v) : '—')).join(' | ')} |`;
  };
  return [
    `Latency, ${s.source === 'result' ? 'run result' : 'interval log'} ${input.path}${s.intervals > 0 ? ` (${s.intervals} intervals)` : ''}:`,
    '',
    `| ${s.source === 'result' ? 'device' : 'tag'} | descriptors | p50 | p90 | p99 | p99.9 | max | mean |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...Object.entries(s.tags).map(([name, e]) => row(name.replaceAll('|', '\\|'), e)),
    row('**total**', s.total),
    '',
  ].join('\n');
}
