/** Shared helpers for the profile tests (not a test file itself). */
import { fileURLToPath } from 'node:url';

import { ProfileError, type ProfileProblem } from '../../src/profile/load.js';

export const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/profiles/${name}`, import.meta.url));

export const shippedProfile = (name: string): string =>
  fileURLToPath(new URL(`../../profiles/${name}`, import.meta.url));

/** Run `fn`, which must throw a ProfileError, and return that error. */
export function profileErrorOf(fn: () => unknown): ProfileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProfileError) return e;
    throw e;
  }
  throw new Error('expected a ProfileError, but nothing was thrown');
}

export const problemsOf = (fn: () => unknown): ProfileProblem[] => profileErrorOf(fn).problems;

/** A small valid profile to start from; tests splice bad bits into it. */
export const MINIMAL = `
durationS: 1
iommus:
  - id: iommu0
processes:
  - name: app
    regions:
      - name: buf
        sizeBytes: 1MiB
devices:
  - id: dsa0
    iommu: iommu0
    attach: { type: sva, process: app }
    workload: { region: buf }
`;
