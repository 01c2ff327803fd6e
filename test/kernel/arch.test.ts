// The notifier's calls per architecture (kernel/arch.ts): x86 widens more than 33 pages to the
// whole address space, arm64 at 512; a migration is a call per page; mprotect's restore of
// write flushes on both; the generic rule is the change's range, once.
import { describe, expect, it } from 'vitest';
import { notifierCalls } from '../../src/kernel/arch.js';
import { MAX_VPN } from '../../src/layout/constants.js';

const whole = { startVpn: 0, endVpn: MAX_VPN };

describe('notifier calls by architecture', () => {
  it('x86: 33 pages are flushed as they are, 34 as everything', () => {
    expect(notifierCalls('x86', 'munmap', 100, 133)).toEqual([{ startVpn: 100, endVpn: 133 }]);
    expect(notifierCalls('x86', 'munmap', 100, 134)).toEqual([whole]);
    expect(notifierCalls('x86', 'mprotect', 100, 134)).toEqual([whole]);
    expect(notifierCalls('x86', 'restore', 100, 102)).toEqual([{ startVpn: 100, endVpn: 102 }]);
  });

  it('arm64: 511 pages as they are, 512 as everything', () => {
    expect(notifierCalls('arm64', 'munmap', 0x1000, 0x1000 + 511)).toEqual([{ startVpn: 0x1000, endVpn: 0x1000 + 511 }]);
    expect(notifierCalls('arm64', 'munmap', 0x1000, 0x1000 + 512)).toEqual([whole]);
    expect(notifierCalls('arm64', 'munmap', 0x1000, 0x1000 + 34)).toHaveLength(1);
  });

  it('a migration is one call per page, of that page, whatever its length', () => {
    expect(notifierCalls('x86', 'migrate', 8, 11)).toEqual([
      { startVpn: 8, endVpn: 9 },
      { startVpn: 9, endVpn: 10 },
      { startVpn: 10, endVpn: 11 },
    ]);
    expect(notifierCalls('arm64', 'migrate', 0, 40)).toHaveLength(40);
  });

  it('generic: the change itself, once, and no call for the restore', () => {
    expect(notifierCalls('generic', 'migrate', 8, 48)).toEqual([{ startVpn: 8, endVpn: 48 }]);
    expect(notifierCalls('generic', 'munmap', 8, 48)).toEqual([{ startVpn: 8, endVpn: 48 }]);
    expect(notifierCalls('generic', 'restore', 8, 48)).toEqual([]);
  });
});
