/** Test helper: which frames of simulated memory a run wrote, with their owners at the end. */

import type { Booted } from '../../src/run/boot.js';
import type { RunOptions } from '../../src/run/run.js';

/**
 * Run options that copy memory at boot and, at the finish, call `onChanged(owner)` for every
 * frame whose bytes differ (owner: layout/physmem.ts FrameOwner kind << 24 | id).
 */
export function watchWrites(onChanged: (owner: number, frame: number) => void): Pick<RunOptions, 'onBoot' | 'onFinish'> {
  let before: Uint8Array | undefined;
  return {
    onBoot: (b: Booted) => {
      before = new Uint8Array(b.kernel.views.mem.bytes);
    },
    onFinish: (b: Booted) => {
      const mem = b.kernel.views.mem;
      for (let f = 0; f < mem.frames; f++) {
        const x = Buffer.from(mem.bytes.buffer, f * 4096, 4096);
        const y = Buffer.from(before!.buffer, f * 4096, 4096);
        if (!x.equals(y)) onChanged(mem.owner[f]!, f);
      }
    },
  };
}
