/** I/O page fault keys checked against the device's attach: PRI and outside-VMA sources need an sva attach. */
import { describe, expect, it } from 'vitest';

import { parseProfile } from '../../src/profile/load.js';
import { MINIMAL, problemsOf } from './helpers.js';

const problems = (text: string) => problemsOf(() => parseProfile(text, 'p.yaml'));

/** A profile with one device, attached as given (default: no attach key), with extra device and workload keys. */
const device = (opts: { attach?: string; keys?: string[]; workload?: string }) =>
  [
    'durationS: 1',
    'iommus: [{ id: iommu0 }]',
    'devices:',
    '  - id: dsa0',
    '    iommu: iommu0',
    ...(opts.keys ?? []).map((k) => `    ${k}`),
    ...(opts.attach === undefined ? [] : [`    attach: ${opts.attach}`]),
    `    workload: { ${opts.workload ?? ''} }`,
    '',
  ].join('\n');

describe('fault cross-checks', () => {
  it('rejects pri: true on a dma attach at devices[i].pri, saying it needs an sva attach', () => {
    expect(problems(device({ attach: '{ type: dma, sizeBytes: 1MiB }', keys: ['pri: true'] }))).toEqual([
      {
        path: 'devices[0].pri',
        message:
          'true but attach.type is dma; expected pri: false, or an sva attach ' +
          '(PRI demand paging needs a process address space to fault pages into)',
      },
    ]);
  });

  it.each(['{ type: identity, sizeBytes: 1MiB }', '{ type: blocked }', '{ type: none }'])(
    'rejects pri: true on attach %s',
    (attach) => {
      expect(problems(device({ attach, keys: ['pri: true'] })).map((p) => p.path)).toEqual(['devices[0].pri']);
    },
  );

  it('says when the attach that is not sva is the default', () => {
    const [problem, ...rest] = problems(device({ keys: ['pri: true'] }));
    expect(rest).toEqual([]);
    expect(problem).toEqual({
      path: 'devices[0].pri',
      message: expect.stringMatching(/^true but attach\.type is none \(the default\); expected pri: false/) as unknown,
    });
  });

  it('accepts pri: true on an sva attach', () => {
    const text = MINIMAL.replace('    iommu: iommu0', '    iommu: iommu0\n    pri: true');
    expect(parseProfile(text, 'p.yaml').devices[0]).toMatchObject({ pri: true, attach: { type: 'sva' } });
  });

  it('accepts blockOnFault: false without pri (it is ignored), on any attach', () => {
    const sva = MINIMAL.replace('    iommu: iommu0', '    iommu: iommu0\n    blockOnFault: false');
    expect(parseProfile(sva, 'p.yaml').devices[0]).toMatchObject({ pri: false, blockOnFault: false });
    const dma = device({ attach: '{ type: dma, sizeBytes: 1MiB }', keys: ['pri: false', 'blockOnFault: false'] });
    expect(parseProfile(dma, 'p.yaml').devices[0]).toMatchObject({ pri: false, blockOnFault: false });
  });

  it('rejects outsideVmaFraction > 0 on a non-sva attach at its path', () => {
    const text = device({ attach: '{ type: dma, sizeBytes: 1MiB }', workload: 'outsideVmaFraction: 0.1' });
    expect(problems(text)).toEqual([
      {
        path: 'devices[0].workload.outsideVmaFraction',
        message:
          '0.1 is set but attach.type is dma; expected 0 ' +
          '(a source outside every VMA exists only in a process address space, so it needs an sva attach)',
      },
    ]);
  });

  it('accepts outsideVmaFraction: 0 on a non-sva attach', () => {
    const text = device({ attach: '{ type: identity, sizeBytes: 1MiB }', workload: 'outsideVmaFraction: 0' });
    expect(parseProfile(text, 'p.yaml').devices[0]?.workload.outsideVmaFraction).toBe(0);
  });

  it('accepts outsideVmaFraction > 0 on an sva attach, with or without pri', () => {
    const text = MINIMAL.replace('workload: { region: buf }', 'workload: { region: buf, outsideVmaFraction: 0.5 }');
    expect(parseProfile(text, 'p.yaml').devices[0]?.workload.outsideVmaFraction).toBe(0.5);
    const withPri = text.replace('    iommu: iommu0', '    iommu: iommu0\n    pri: true');
    expect(parseProfile(withPri, 'p.yaml').devices[0]).toMatchObject({ pri: true, workload: { outsideVmaFraction: 0.5 } });
  });

  it('reports both problems of one device, in document order', () => {
    const text = device({ keys: ['pri: true'], workload: 'outsideVmaFraction: 0.2' });
    expect(problems(text).map((p) => p.path)).toEqual(['devices[0].pri', 'devices[0].workload.outsideVmaFraction']);
  });
});

describe('PRI needs ATS', () => {
  it('rejects pri: true with ats: false at devices[i].pri', async () => {
    const { parseProfile, ProfileError } = await import('../../src/profile/load.js');
    const yaml = `
durationS: 1
iommus: [{ id: mmu }]
processes: [{ name: app, regions: [{ name: buf, sizeBytes: 1MiB }] }]
devices:
  - { id: d0, iommu: mmu, ats: false, pri: true, attach: { type: sva, process: app }, workload: { region: buf } }
`;
    let err: unknown;
    try {
      parseProfile(yaml, 'x.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProfileError);
    const problems = (err as InstanceType<typeof ProfileError>).problems;
    expect(problems).toEqual([{ path: 'devices[0].pri', message: expect.stringMatching(/ats is false; expected ats: true/) }]);
  });
});
