// Progress lines: elapsed / total, one line per device with ops/s, GB/s, p99 so far (– before
// the first interval), faults when there are any; invalidations in the header when present.
import { describe, expect, it } from 'vitest';
import { formatProgress, progressMode } from '../../src/report/progress.js';

describe('progress', () => {
  it('formats a header and one line per device', () => {
    const lines = formatProgress({
      elapsedS: 2,
      totalS: 5,
      invalidations: 1234,
      devices: [
        { id: 'dsa0', ops: 12000, bytes: 0, opsPerSec: 6000, bytesPerSec: 2.5e8, p99SoFarNs: 84_100, faults: 0 },
        { id: 'dsa1', ops: 10, bytes: 0, opsPerSec: 0, bytesPerSec: 0, p99SoFarNs: 0, faults: 17 },
      ],
    });
    expect(lines[0]).toBe('[2.0s / 5.0s]  invalidations 1,234');
    expect(lines[1]).toMatch(/^ {2}dsa0 .*6\.00 kops\/s .*0\.25 GB\/s .*p99 so far +84\.1 µs .*ops 12,000$/);
    expect(lines[2]).toMatch(/p99 so far +– .*faults 17$/);
    expect(lines).toHaveLength(3);
  });

  it('picks terminal, plain or no output', () => {
    expect(progressMode(false, true)).toBe('tty');
    expect(progressMode(false, false)).toBe('plain');
    expect(progressMode(true, true)).toBe('off');
  });
});
