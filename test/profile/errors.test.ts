/**
 * Each kind of bad profile yields a ProfileError whose problem has the exact path and a message
 * that names the offending value. Fixtures live in test/fixtures/profiles (see its README).
 */
import { describe, expect, it } from 'vitest';

import { formatProfileError, loadProfile, parseProfile } from '../../src/profile/load.js';
import { fixture, MINIMAL, problemsOf, profileErrorOf } from './helpers.js';

describe('bad profiles', () => {
  it('reports a YAML syntax error with its line and column at the document path', () => {
    expect(problemsOf(() => loadProfile(fixture('bad-yaml-syntax.yaml')))).toEqual([
      {
        path: '',
        message: expect.stringMatching(/^YAML syntax error at line 5, column 11: \S/) as unknown,
      },
    ]);
  });

  it('reports an unknown key with the key in the path and the known keys', () => {
    expect(problemsOf(() => loadProfile(fixture('bad-unknown-key.yaml')))).toEqual([
      {
        path: 'devices[0].bogus',
        message:
          'unknown key "bogus"; expected one of: ' +
          'id, type, iommu, ats, devtlbEntries, devtlbWays, wqSize, wqMode, engines, submitters, pri, blockOnFault, trusted, coherent, ' +
          'attach, workload, kernelClients, vm, group',
      },
    ]);
  });

  it('suggests the intended key for a misspelt one', () => {
    const text = MINIMAL.replace('workload: { region: buf }', 'workload: { region: buf, queuedepth: 4 }');
    expect(problemsOf(() => parseProfile(text, 'p.yaml'))).toEqual([
      { path: 'devices[0].workload.queuedepth', message: 'unknown key "queuedepth"; did you mean "queueDepth"?' },
    ]);
  });

  it('reports a wrong type with the expectation and the value', () => {
    expect(problemsOf(() => loadProfile(fixture('bad-wrong-type.yaml')))).toEqual([
      { path: 'iommus[0].iotlbEntries', message: 'expected an integer from 1 to 65536, got "lots"' },
    ]);
  });

  it('reports an out-of-range value with the range and the value', () => {
    expect(problemsOf(() => loadProfile(fixture('bad-out-of-range.yaml')))).toEqual([
      { path: 'devices[0].wqSize', message: 'expected an integer from 1 to 1024, got 4096' },
    ]);
  });

  it('reports a device naming a non-existent IOMMU, listing the ones that exist', () => {
    expect(problemsOf(() => loadProfile(fixture('bad-unknown-iommu.yaml')))).toEqual([
      { path: 'devices[0].iommu', message: '"iommu9" names no IOMMU; expected one of: iommu0, iommu1' },
    ]);
  });

  it('reports a device bound to a non-existent process, listing the ones that exist', () => {
    expect(problemsOf(() => loadProfile(fixture('bad-unknown-process.yaml')))).toEqual([
      { path: 'devices[0].attach.process', message: '"db" names no process; expected one of: app' },
    ]);
  });

  it('reports a queueDepth larger than the work queue', () => {
    expect(problemsOf(() => loadProfile(fixture('bad-queue-depth.yaml')))).toEqual([
      {
        path: 'devices[1].workload.queueDepth',
        message: "256 is larger than the device's wqSize (128) of a dedicated WQ; expected at most 128, or wqMode: shared (a full shared WQ answers retry)",
      },
    ]);
  });

  it('reports a missing file as a problem, not as a raw ENOENT', () => {
    const file = fixture('does-not-exist.yaml');
    const e = profileErrorOf(() => loadProfile(file));
    expect(e.file).toBe(file);
    expect(e.problems).toEqual([{ path: '', message: 'cannot read profile: no such file' }]);
    expect(formatProfileError(e)).toBe(`${file}: cannot read profile: no such file`);
  });

  it('reports a directory as unreadable', () => {
    expect(problemsOf(() => loadProfile(fixture('')))).toEqual([
      { path: '', message: 'cannot read profile: it is a directory' },
    ]);
  });

  it('reports an empty document', () => {
    expect(problemsOf(() => parseProfile('# nothing here\n', 'empty.yaml'))).toEqual([
      { path: '', message: 'the profile is empty; expected a mapping with iommus, processes and devices' },
    ]);
  });

  it('reports a missing required key as missing', () => {
    expect(problemsOf(() => parseProfile('durationS: 1\niommus: [{ id: iommu0 }]\n', 'p.yaml'))).toEqual([
      { path: 'devices', message: 'missing; expected a non-empty list of devices' },
    ]);
  });

  it('truncates a long offending value', () => {
    const long = 'x'.repeat(100);
    const text = MINIMAL.replace('iommu: iommu0', `iommu: iommu0\n    wqMode: ${long}`);
    const [problem] = problemsOf(() => parseProfile(text, 'p.yaml'));
    expect(problem?.path).toBe('devices[0].wqMode');
    expect(problem?.message).toMatch(/^expected one of: dedicated, shared, got "x+…$/);
    expect(problem?.message.length).toBeLessThan(90);
  });
});

describe('all problems at once', () => {
  it('reports a schema problem and a cross-reference problem together, one line each, in document order', () => {
    const e = profileErrorOf(() => loadProfile(fixture('bad-multiple.yaml')));
    expect(e.problems).toEqual([
      { path: 'iommus[0].type', message: 'expected one of: vtd, smmuv3, got "amd"' },
      { path: 'devices[0].iommu', message: '"iommu9" names no IOMMU; expected one of: iommu0' },
    ]);
    const lines = formatProfileError(e).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`${e.file}:5:11: iommus[0].type: expected one of: vtd, smmuv3, got "amd"`);
  });

  it('reports several schema problems in one element', () => {
    const text = MINIMAL.replace('iommu: iommu0', 'iommu: iommu0\n    ats: maybe\n    wqSize: 0');
    expect(problemsOf(() => parseProfile(text, 'p.yaml')).map((p) => p.path)).toEqual([
      'devices[0].ats',
      'devices[0].wqSize',
    ]);
  });
});
