/**
 * Histograms read from files (a run result's compressed base64 strings, an hlog's intervals):
 * decoding with a clear error naming where the bad one was, and exact merging. Values are
 * latencies in nanoseconds; percentiles are never averaged, bucket counts are added.
 */

import * as hdr from 'hdr-histogram-js';
import { decodeHistogram, encodeHistogram, type Histogram, newMergeHistogram } from '../metrics/histogram.js';
import { BadInputError } from '../run/errors.js';

const BASE64_RE = /^[A-Za-z0-9+/]+={0,2}$/;
const EXPECTED = 'expected HdrHistogram compressed base64 ("HISTF…")';

/** @throws BadInputError when `encoded` is not base64 at all; `where` names it. */
export function checkBase64(encoded: string, where: string): void {
  if (!BASE64_RE.test(encoded) || encoded.length % 4 !== 0) {
    throw new BadInputError(`${where}: malformed histogram: not base64; ${EXPECTED}`);
  }
}

/** The error for a histogram that is base64 but does not decode (`cause`: the decoder's error). */
export function malformedHistogram(where: string, cause: unknown): BadInputError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new BadInputError(`${where}: malformed histogram (${why}); ${EXPECTED}`);
}

/** Decode a compressed base64 histogram ('' = empty). @throws BadInputError naming `where`. */
export function decodeFileHistogram(encoded: string, where: string): Histogram {
  if (encoded === '') return newMergeHistogram();
  checkBase64(encoded, where);
  try {
    return decodeHistogram(encoded);
  } catch (e) {
    throw malformedHistogram(where, e);
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
