/** Churn checks that relate it to the rest of the profile: its process, region, size and rate. */
import { describe, expect, it } from 'vitest';

import { parseProfile } from '../../src/profile/load.js';
import { MINIMAL, problemsOf } from './helpers.js';

const problems = (text: string) => problemsOf(() => parseProfile(text, 'p.yaml'));
/** MINIMAL (process app, region buf of 1 MiB, durationS 1) plus a churn mapping. */
const withChurn = (churn: string) => `${MINIMAL}churn: ${churn}\n`;

describe('churn cross-checks', () => {
  it('rejects a churn on an unknown process, listing the ones that exist', () => {
    expect(problems(withChurn('{ process: db, region: buf, ratePerSec: 10 }'))).toEqual([
      { path: 'churn.process', message: '"db" names no process; expected one of: app' },
    ]);
  });

  it('rejects a churn on a region the process does not have, listing its regions', () => {
    expect(problems(withChurn('{ process: app, region: heap, ratePerSec: 10 }'))).toEqual([
      { path: 'churn.region', message: '"heap" names no region of process "app"; expected one of: buf' },
    ]);
  });

  it('rejects a rangeBytes larger than the region', () => {
    expect(problems(withChurn('{ process: app, region: buf, ratePerSec: 10, rangeBytes: 2MiB }'))).toEqual([
      {
        path: 'churn.rangeBytes',
        message: '2 MiB is larger than region "buf" of process "app" (1 MiB); expected at most 1 MiB',
      },
    ]);
  });

  it('accepts a rangeBytes equal to the region', () => {
    expect(parseProfile(withChurn('{ process: app, region: buf, ratePerSec: 10, rangeBytes: 1MiB }'), 'p.yaml').churn)
      .toMatchObject({ rangeBytes: 1024 ** 2 });
  });

  it('with aligned, needs the range rounded up to a power of two to fit the region', () => {
    // A 12 KiB region: a 12 KiB range fits, but its naturally aligned span (16 KiB) does not.
    const text = MINIMAL.replace('sizeBytes: 1MiB', 'sizeBytes: 12KiB').replace(
      'workload: { region: buf }',
      'workload: { region: buf, transferSizeBytes: 4096 }',
    );
    expect(problems(`${text}churn: { process: app, region: buf, ratePerSec: 10, rangeBytes: 12KiB }\n`)).toEqual([
      {
        path: 'churn.rangeBytes',
        message:
          '12 KiB with aligned: true needs a naturally aligned span of 16 KiB (rangeBytes rounded up to a power ' +
          'of two), larger than region "buf" of process "app" (12 KiB); expected at most 8 KiB, or aligned: false',
      },
    ]);
    const unaligned = `${text}churn: { process: app, region: buf, ratePerSec: 10, rangeBytes: 12KiB, aligned: false }\n`;
    expect(parseProfile(unaligned, 'p.yaml').churn).toMatchObject({ rangeBytes: 12 * 1024, aligned: false });
  });

  it('requires ratePerSec or count', () => {
    expect(problems(withChurn('{ process: app, region: buf }'))).toEqual([
      {
        path: 'churn',
        message:
          'missing ratePerSec and count; expected ratePerSec (changes per second), ' +
          'count (changes in the run, at count / durationS per second without ratePerSec), or both',
      },
    ]);
  });

  it('requires durationS for a count without ratePerSec (the rate is count / durationS)', () => {
    // Every device has a descriptor count, so only the churn needs durationS.
    const text = MINIMAL.replace('durationS: 1\n', '').replace(
      'workload: { region: buf }',
      'workload: { region: buf, descriptors: 1000 }',
    );
    expect(problems(`${text}churn: { process: app, region: buf, count: 50 }\n`)).toEqual([
      {
        path: 'durationS',
        message:
          'missing; churn.count (50) without churn.ratePerSec needs durationS: the rate is count / durationS ' +
          '(or set churn.ratePerSec)',
      },
    ]);
    // Either fixes it.
    expect(parseProfile(`${text}churn: { process: app, region: buf, count: 50, ratePerSec: 5 }\n`, 'p.yaml').churn)
      .toMatchObject({ count: 50, ratePerSec: 5 });
    expect(parseProfile(`durationS: 2\n${text}churn: { process: app, region: buf, count: 50 }\n`, 'p.yaml').churn)
      .toMatchObject({ count: 50, ratePerSec: undefined });
  });

  it('reports one durationS problem naming both reasons when devices and churn both need it', () => {
    const text = MINIMAL.replace('durationS: 1\n', '');
    expect(problems(`${text}churn: { process: app, region: buf, count: 50 }\n`)).toEqual([
      {
        path: 'durationS',
        message:
          'missing; a run needs durationS or every device needs workload.descriptors (without it: dsa0); ' +
          'and churn.count (50) without churn.ratePerSec needs durationS: the rate is count / durationS ' +
          '(or set churn.ratePerSec)',
      },
    ]);
  });

  it('allows a churn on a process no device is bound to', () => {
    const text = MINIMAL.replace(
      'processes:\n',
      'processes:\n  - name: idle\n    regions:\n      - name: heap\n        sizeBytes: 64KiB\n',
    );
    const profile = parseProfile(`${text}churn: { process: idle, region: heap, ratePerSec: 10 }\n`, 'p.yaml');
    expect(profile.churn).toMatchObject({ process: 'idle', region: 'heap' });
  });

  it('still checks the references when another churn field is bad', () => {
    expect(problems(withChurn('{ process: db, region: buf, ratePerSec: -1 }'))).toEqual([
      { path: 'churn.process', message: '"db" names no process; expected one of: app' },
      { path: 'churn.ratePerSec', message: 'expected a number greater than 0 and at most 1000000, got -1' },
    ]);
  });
});
