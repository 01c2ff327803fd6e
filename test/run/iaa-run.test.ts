// IAA-like devices in a run (issue 15): compressing text-like pages in fixed and dynamic Huffman
// modes, decompressing the kernel's zlib streams, CRC64 and compress-verify — every sampled
// descriptor checked against node:zlib and a bit-at-a-time CRC64 (0 failures), the ratio per op
// and mode reported (fixed below dynamic on text), incompressible data ending with
// output-overflow, and the same figures in every run (modelled time).
import { describe, expect, it } from 'vitest';
import { STREAM_SOURCE_BYTES } from '../../src/run/data.js';
import { runProfile } from '../../src/run/run.js';
import { profileFrom } from '../helpers/machine.js';

const YAML = `
seed: 8
system: { memoryBytes: 128MiB, integritySampleEvery: 3 }
iommus: [{ id: mmu }]
processes:
  - { name: app, regions: [{ name: a, sizeBytes: 2MiB }, { name: b, sizeBytes: 2MiB }, { name: z, sizeBytes: 2MiB }, { name: r, sizeBytes: 1MiB }] }
devices:
  - { id: fixed, type: iaa, iommu: mmu, attach: { type: sva, process: app },
      workload: { region: a, queueDepth: 4, descriptors: 300, data: text, deflateMode: fixed, ops: { compress: 1, compressVerify: 1 } } }
  - { id: dynamic, type: iaa, iommu: mmu, attach: { type: sva, process: app },
      workload: { region: b, queueDepth: 4, descriptors: 300, data: text, ops: { compress: 1, compressVerify: 1, crc64: 1 }, crc64: nvme } }
  - { id: inflate, type: iaa, iommu: mmu, engines: 2, attach: { type: sva, process: app },
      workload: { region: z, queueDepth: 4, descriptors: 300, data: corpus, ops: { decompress: 1 } } }
  - { id: noise, type: iaa, iommu: mmu, attach: { type: sva, process: app },
      workload: { region: r, queueDepth: 2, descriptors: 50, data: random, ops: { compress: 1 } } }
`;

describe('IAA-like devices in a run', () => {
  it('compress, verify, decompress and CRC64 on real data: sampled checks pass, ratios by op and mode, fixed below dynamic on text', async () => {
    const { result } = await runProfile(profileFrom(YAML));
    const [fixed, dynamic, inflate, noise] = result.devices;
    for (const d of [fixed!, dynamic!, inflate!]) {
      expect(d.type).toBe('iaa');
      expect(d.statuses['success']).toBe(d.submitted);
    }
    const f = fixed!.compression!;
    const dy = dynamic!.compression!;
    expect(f.compress.fixed.inputBytes).toBeGreaterThan(0);
    expect(f.compress.dynamic.inputBytes).toBe(0);
    expect(dy.compress.dynamic.inputBytes).toBeGreaterThan(0);
    // Text compresses, and dynamic Huffman codes fit it better than the fixed ones.
    expect(f.compress.fixed.ratio).toBeGreaterThan(1.5);
    expect(dy.compress.dynamic.ratio).toBeGreaterThan(f.compress.fixed.ratio);
    expect(dy.compressVerify.dynamic.ratio).toBeGreaterThan(f.compressVerify.fixed.ratio);
    // Every decompress inflates one granule's stream to the kernel's 4,032 bytes.
    expect(inflate!.compression!.decompress.outputBytes).toBe(inflate!.ops * STREAM_SOURCE_BYTES);
    expect(inflate!.compression!.decompress.ratio).toBeGreaterThan(1.5);
    // Incompressible data does not fit a destination of its own size: output-overflow, no exception.
    expect(noise!.statuses['output-overflow']).toBe(50);
    // Sampled descriptors were inflated by node:zlib (compress), compared with zlib's inflation
    // of their source (decompress) and with a bit-at-a-time CRC64: none failed.
    expect(result.integrity.checked).toBeGreaterThan(200);
    expect(result.integrity.failed).toBe(0);
    expect(result.checker.violations).toBe(0);
  });

  it('gives the same figures in every run', async () => {
    const a = (await runProfile(profileFrom(YAML))).result;
    const b = (await runProfile(profileFrom(YAML))).result;
    expect(b.devices.map((d) => d.compression)).toEqual(a.devices.map((d) => d.compression));
    expect(b.totals.latencyNs).toEqual(a.totals.latencyNs);
  });
});
