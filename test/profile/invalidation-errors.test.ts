/**
 * Bad values of churn, invalidation, platform and checker: one problem each, at the exact path,
 * with the expectation and the offending value (what the CLI prints before exiting non-zero).
 */
import { describe, expect, it } from 'vitest';

import { formatProfileError, parseProfile } from '../../src/profile/load.js';
import { MINIMAL, problemsOf, profileErrorOf } from './helpers.js';

const problems = (extra: string) => problemsOf(() => parseProfile(`${MINIMAL}${extra}\n`, 'p.yaml'));
const CHURN = 'churn: { process: app, region: buf, ratePerSec: 10';

describe('bad values of the invalidation keys', () => {
  it.each([
    [
      `${CHURN}, rangeBytes: 5000 }`,
      'churn.rangeBytes',
      'expected a size of at least 4 KiB that is a multiple of 4 KiB (e.g. 4096, "16KiB" or "2 MiB"), got 5000',
    ],
    [
      `${CHURN}, rangeBytes: 2KiB }`,
      'churn.rangeBytes',
      'expected a size of at least 4 KiB that is a multiple of 4 KiB (e.g. 4096, "16KiB" or "2 MiB"), got "2KiB"',
    ],
    ['churn: { process: app, region: buf, ratePerSec: 0 }', 'churn.ratePerSec', 'expected a number greater than 0 and at most 1000000, got 0'],
    ['churn: { process: app, region: buf, ratePerSec: 2000000 }', 'churn.ratePerSec', 'expected a number greater than 0 and at most 1000000, got 2000000'],
    ['churn: { process: app, region: buf, count: 2.5 }', 'churn.count', 'expected an integer of at least 1, got 2.5'],
    [`${CHURN}, aligned: yes please }`, 'churn.aligned', 'expected true or false, got "yes please"'],
    [`${CHURN}, startS: -1 }`, 'churn.startS', 'expected a number from 0 to 86400, got -1'],
    [`${CHURN}, ops: { munmap: -1 } }`, 'churn.ops.munmap', 'expected a number of at least 0, got -1'],
    [
      `${CHURN}, ops: { munmap: 0, migrate: 0 } }`,
      'churn.ops',
      'every op weight is 0; expected at least one of munmap, mprotect, migrate with a weight greater than 0',
    ],
    [`${CHURN}, ops: { unmap: 1 } }`, 'churn.ops.unmap', 'unknown key "unmap"; did you mean "munmap"?'],
    ['churn: { region: buf, ratePerSec: 10 }', 'churn.process', 'missing; expected a non-empty name'],
    ['invalidation: { strategy: lazy }', 'invalidation.strategy', 'expected one of: vtd-per-device, vtd-sva-domain, vtd-cache-tags-unbatched, vtd-cache-tags-batched, vtd-cache-tags-grouped, smmuv3, smmuv3-ril, per-device, shared-domain, got "lazy"'],
    ['invalidation: { batchSize: 0 }', 'invalidation.batchSize', 'expected an integer from 1 to 256, got 0'],
    ['invalidation: { batchSize: 257 }', 'invalidation.batchSize', 'expected an integer from 1 to 256, got 257'],
    ['invalidation: { rangeEncoding: amd }', 'invalidation.rangeEncoding', 'expected one of: vtd, smmu, got "amd"'],
    ['invalidation: { maxAddressMask: 53 }', 'invalidation.maxAddressMask', 'expected an integer from 0 to 52, got 53'],
    ['invalidation: 16', 'invalidation', 'expected a mapping with strategy, batchSize, rangeEncoding, arch, maxAddressMask, got 16'],
    ['platform: { trapNs: -5 }', 'platform.trapNs', 'expected a number from 0 to 1000000000, got -5'],
    ['platform: { preset: cloud }', 'platform.preset', 'expected one of: native, guest, zero, got "cloud"'],
    ['platform: cloud', 'platform', 'expected one of: native, guest, zero, got "cloud"'],
    ['platform: { trapns: 1 }', 'platform.trapns', 'unknown key "trapns"; did you mean "trapNs"?'],
    ['checker: 1', 'checker', 'expected true or false, got 1'],
  ])('%s → %s', (extra, path, message) => {
    expect(problems(extra)).toEqual([{ path, message }]);
  });

  it('reports a platform that is neither a name nor a mapping with both forms', () => {
    expect(problems('platform: 5')).toEqual([
      {
        path: 'platform',
        message:
          'expected a platform preset (native, guest, zero) or a mapping {preset: <name>, <cost>: <ns>} with costs ' +
          'submitNs, descriptorNs, completionNs, devtlbHitNs, atsTranslationNs, iotlbHitNs, iotlbMissWalkNs, ' +
          'memmoveGBps, fillGBps, compareGBps, comparePatternGBps, crc32cGBps, compressGBps, decompressGBps, crc64GBps, submissionWaitNs, iotlbDescriptorNs, ' +
          'devtlbDescriptorNs, devtlbInvalidationNs, trapNs, guestTrapNs, guestFaultForwardNs, hostPasidAttachNs, pageRequestNs, pageResponseNs, faultServiceNs, pageResponseDescriptorNs, pageZeroingNs, kernelBufferAllocNs, iovaCacheNs, iovaTreeNs, dmaMapNs, dmaMapPageNs, dmaUnmapNs, dmaUnmapPageNs, dmaSyncPageNs, got 5',
      },
    ]);
  });

  it('reports an unknown churn key listing the known ones', () => {
    expect(problems(`${CHURN}, pages: 4 }`)).toEqual([
      {
        path: 'churn.pages',
        message: 'unknown key "pages"; expected one of: process, region, ops, ratePerSec, count, rangeBytes, aligned, startS, stage',
      },
    ]);
  });

  it('formats the problems one line each, in document order, like the CLI prints them', () => {
    const text = `${MINIMAL}invalidation: { batchSize: 0 }\nplatform: { preset: native, trapNs: -1 }\n`;
    const e = profileErrorOf(() => parseProfile(text, 'p.yaml'));
    expect(formatProfileError(e).split('\n')).toEqual([
      'p.yaml:15:28: invalidation.batchSize: expected an integer from 1 to 256, got 0',
      'p.yaml:16:37: platform.trapNs: expected a number from 0 to 1000000000, got -1',
    ]);
  });
});
