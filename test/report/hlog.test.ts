// .hlog files are read by hdr-histogram-js's HistogramLogReader behind a thin validator: every
// interval line the validator accepts reaches the reader (spaces around fields, negative start
// times), #[BaseTime: is honoured, and a line the reader would skip is an error naming the line.
import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';

import { BadInputError } from '../../src/run/errors.js';
import { tryParseHlog } from '../../src/report/hlog.js';

function b64(values: readonly number[]): string {
  const h = build();
  for (const v of values) h.recordValue(v);
  return encodeIntoCompressedBase64(h);
}

describe('reading an hlog', () => {
  it('keeps every interval the validator accepts, with its tag, line and end time', () => {
    const text = [
      '#[Histogram log format version 1.3]',
      '#[StartTime: 1000.000 (seconds since epoch)]',
      '#[BaseTime: 1000.000 (seconds since epoch)]',
      '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
      `Tag=a, 0.500 , 1.000 , 3.000 , ${b64([1000, 2000, 3000])}`,
      '',
      `-1.000,1.000,1.000,${b64([500])}`,
    ].join('\n');
    const log = tryParseHlog(text, 'x.hlog')!;
    expect(log.startTimeSec).toBe(1000);
    expect(log.intervals.map((iv) => [iv.tag, iv.line, iv.startS, iv.lengthS, iv.tS, iv.histogram.totalCount])).toEqual([
      ['a', 5, 0.5, 1, 1.5, 3],
      ['untagged', 7, -1, 1, 0, 1],
    ]);
  });

  it('is not an hlog when nothing marks it as one', () => {
    expect(tryParseHlog('hello\nworld\n', 'x.txt')).toBeNull();
  });

  it('rejects a line the reader would skip, naming it', () => {
    const text = `#[Histogram log format version 1.3]\nno commas here\n`;
    expect(() => tryParseHlog(text, 'x.hlog')).toThrow(BadInputError);
    expect(() => tryParseHlog(text, 'x.hlog')).toThrow(/^x\.hlog:2: expected an interval line/);
  });
});
