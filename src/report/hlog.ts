/**
 * Reading an HdrHistogram interval log (`.hlog`, log format 1.3, as hdr-histogram-js's
 * HistogramLogWriter writes it — `run --hlog` does).
 *
 * The library's HistogramLogReader reads it: interval lines and their tags, the `#[StartTime:`
 * and `#[BaseTime:` comments, relative vs absolute timestamps (relative when no BaseTime is
 * given and the first interval starts more than a year before StartTime), and the compressed
 * histograms. It skips what it does not understand, so a thin validator runs first: it decides
 * whether the text is an hlog at all and rejects a malformed line or histogram with the file and
 * line, then hands the reader the lines it checked (trimmed; blank lines and the legend left out).
 *
 * What the validator accepts: "#" lines (comments; a `#[…]` line marks an hlog), a legend line
 * starting with `StartTimestamp` (quoted or not), blank lines, and interval lines
 * `[Tag=<tag>,]<start s>,<length s>,<max>,<base64 histogram>`. Before any header, only an
 * interval whose histogram looks like one ("HIST…") marks the text as an hlog. dmaload writes
 * one tagged histogram per device per interval (tag = device id); lines without a tag are
 * grouped under "untagged". `<max>` is not used (the histogram's own max is).
 */

import * as hdr from 'hdr-histogram-js';
import type { Histogram } from '../metrics/histogram.js';
import { BadInputError } from '../run/errors.js';
import { checkBase64, malformedHistogram } from './histograms.js';

/** The tag of hlog interval lines that carry none. */
export const UNTAGGED = 'untagged';

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
  /** The `#[StartTime:` comment, seconds since the epoch; null without one. */
  startTimeSec: number | null;
  intervals: HlogInterval[];
}

const INTERVAL_RE = /^(?:Tag=([^,]*),)?([^,]*),([^,]*),([^,]*),([^,]*)$/;
const NUMBER_RE = /^[0-9.eE+-]+$/;

/** An interval line as checked: the line the reader gets, and what the reader does not report. */
interface CheckedInterval {
  line: number;
  tagged: boolean;
  startS: number;
  lengthS: number;
}

function preview(line: string): string {
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

/**
 * The validator: the lines to hand the reader and, per interval line, what it checked; `null`
 * when the text shows no sign of being an hlog before its first line that is not one.
 */
function checkHlog(text: string, source: string): { lines: string[]; lineNumbers: number[]; intervals: CheckedInterval[] } | null {
  const lines: string[] = [];
  const lineNumbers: number[] = [];
  const intervals: CheckedInterval[] = [];
  let recognised = false;
  const keep = (line: string, i: number): void => {
    lines.push(line);
    lineNumbers.push(i + 1);
  };
  const all = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#[')) recognised = true;
      keep(line, i);
      continue;
    }
    if (line.startsWith('"StartTimestamp"') || line.startsWith('StartTimestamp')) {
      recognised = true;
      continue;
    }
    const m = INTERVAL_RE.exec(line);
    const fields = m ? [m[2]!, m[3]!, m[4]!].map((f) => f.trim()) : [];
    const nums = fields.map((f) => (NUMBER_RE.test(f) ? Number(f) : Number.NaN));
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
    checkBase64(b64, `${source}:${i + 1}`);
    const tag = m[1];
    keep(`${tag !== undefined ? `Tag=${tag},` : ''}${fields.join(',')},${b64}`, i);
    intervals.push({ line: i + 1, tagged: tag !== undefined, startS: nums[0]!, lengthS: nums[1]! });
  }
  return recognised ? { lines, lineNumbers, intervals } : null;
}

function round6(x: number): number {
  return Number(x.toFixed(6));
}

const finiteOrNull = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * Read an hlog; `null` when the text is not one. `source` names the file in errors.
 * @throws BadInputError on a malformed line or histogram, naming the line.
 */
export function tryParseHlog(text: string, source: string): HlogFile | null {
  const checked = checkHlog(text, source);
  if (!checked) return null;
  const reader = new hdr.HistogramLogReader(checked.lines.join('\n'), 64);
  const intervals: HlogInterval[] = [];
  for (const iv of checked.intervals) {
    let h: Histogram | null;
    try {
      // No range: by default the reader skips timestamps below 0, and every interval is wanted.
      h = reader.nextIntervalHistogram(Number.NEGATIVE_INFINITY);
    } catch (e) {
      throw malformedHistogram(`${source}:${checked.lineNumbers[reader.currentLineIndex - 1] ?? iv.line}`, e);
    }
    if (!h) throw new Error(`${source}:${iv.line}: HistogramLogReader returned no interval for a checked line`);
    const startTimeSec = finiteOrNull(reader.startTimeSec);
    const endS = h.endTimeStampMsec / 1000;
    intervals.push({
      tag: iv.tagged ? h.tag : UNTAGGED,
      line: iv.line,
      startS: iv.startS,
      lengthS: iv.lengthS,
      tS: round6(startTimeSec !== null ? endS - startTimeSec : endS),
      histogram: h,
    });
  }
  return { startTimeSec: finiteOrNull(reader.startTimeSec), intervals };
}
