/** Work queues, engines, device types and data, checked before any work (profile/cross-checks.ts checkQueues, checkOps). */
import { describe, expect, it } from 'vitest';

import { parseProfile } from '../../src/profile/load.js';
import { problemsOf } from './helpers.js';

const problems = (text: string) => problemsOf(() => parseProfile(text, 'p.yaml'));

const BASE = `
durationS: 1
iommus: [{ id: iommu0 }]
processes:
  - { name: a, regions: [{ name: buf, sizeBytes: 1MiB }] }
  - { name: b, regions: [{ name: buf, sizeBytes: 1MiB, populate: POP }] }
devices:
  - { id: d0, type: TYPE, iommu: iommu0, wqMode: MODE, engines: ENGINES, attach: { type: sva, process: a }, workload: { region: buf, WORKLOAD }SUBMITTERS }
`;
const profile = (o: { type?: string; mode?: string; engines?: number; workload?: string; submitters?: string; pop?: number }) =>
  BASE.replace('TYPE', o.type ?? 'dsa')
    .replace('MODE', o.mode ?? 'dedicated')
    .replace('ENGINES', String(o.engines ?? 1))
    .replace('WORKLOAD', o.workload ?? 'ops: { memmove: 1 }')
    .replace('SUBMITTERS', o.submitters ? `, submitters: [${o.submitters}]` : '')
    .replace('POP', String(o.pop ?? 1));

describe('work queue, engine and op cross-checks', () => {
  it('accepts a shared WQ with a further submitter, an IAA with data, four engines', () => {
    expect(() => parseProfile(profile({ mode: 'shared', submitters: '{ process: b, workload: { region: buf } }' }), 'p.yaml')).not.toThrow();
    expect(() => parseProfile(profile({ type: 'iaa', workload: 'data: text, ops: { compress: 1, crc64: 1 }' }), 'p.yaml')).not.toThrow();
    expect(() => parseProfile(profile({ engines: 4 }), 'p.yaml')).not.toThrow();
  });

  it.each([
    ['submitters on a dedicated WQ', profile({ submitters: '{ process: b, workload: { region: buf } }' }), 'devices[0].submitters', '1 submitter(s) on a dedicated WQ; expected wqMode: shared (a dedicated WQ has one submitter, with a fixed PASID)'],
    ['a submitter of an unknown process', profile({ mode: 'shared', submitters: '{ process: c, workload: { region: buf } }' }), 'devices[0].submitters[0].process', '"c" names no process; expected one of: a, b'],
    ['the attach process again as a submitter', profile({ mode: 'shared', submitters: '{ process: a, workload: { region: buf } }' }), 'devices[0].submitters[0].process', '"a" is already the device\'s attach process; expected another process (one submitter per process)'],
    ['an IAA op on a DSA', profile({ workload: 'ops: { compress: 1 }' }), 'devices[0].workload.ops.compress', '1 on a DSA device; expected 0 (compress is an IAA op: type: iaa runs it)'],
    ['a DSA op on an IAA', profile({ type: 'iaa', workload: 'ops: { memmove: 1 }' }), 'devices[0].workload.ops.memmove', '1 on an IAA device; expected 0 (memmove is a DSA op: type: dsa runs it)'],
    ['decompress without data', profile({ type: 'iaa', workload: 'ops: { decompress: 1 }' }), 'devices[0].workload.data', 'missing; a workload that decompresses needs data (zeros, random, text, corpus): the kernel puts deflate streams of it in the source half'],
    ['decompress beside compress', profile({ type: 'iaa', workload: 'data: text, ops: { decompress: 1, compress: 1 }' }), 'devices[0].workload.ops.decompress', 'with compress in one workload; expected decompress alone (its source half holds deflate streams, not data)'],
    ['an IAA transfer beyond 64 KiB', profile({ type: 'iaa', workload: 'transferSizeBytes: 128KiB, ops: { compress: 1 }' }), 'devices[0].workload.transferSizeBytes', '128 KiB for IAA ops; expected at most 64 KiB (the engine\'s buffers)'],
    ['data on a partly populated region', profile({ mode: 'shared', submitters: '{ process: b, workload: { region: buf, data: text } }', pop: 0.5 }), 'devices[0].submitters[0].workload.data', 'text on region "buf" with populate 0.5; expected populate: 1 (the kernel writes the data at boot)'],
    ['host timing with several engines', `${profile({ engines: 2 })}timing: host\n`, 'devices[0].engines', 'engines: 2 needs timing: modelled (concurrent engines and ENQCMD retries are modelled in virtual time); expected timing: modelled'],
  ])('rejects %s', (_what, text, path, message) => {
    expect(problems(text)).toEqual([{ path, message }]);
  });
});
