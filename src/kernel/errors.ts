/**
 * Errors for impossible requests made of the kernel (bad input or exhausted resources).
 * Small factories, so stack traces point at the caller. Faults during DMA are values, not these.
 */

export class KernelError extends Error {
  override readonly name = 'KernelError';
}

export function outOfMemory(what: string, needFrames: number, freeFrames: number): KernelError {
  return new KernelError(
    `out of simulated physical memory while ${what}: need ${needFrames} frame(s), ${freeFrames} free; ` +
      'raise system.memoryBytes in the profile',
  );
}

export function pasidsExhausted(maxPasids: number): KernelError {
  return new KernelError(
    `PASID space exhausted: all ${maxPasids - 1} PASIDs in [1, ${maxPasids - 1}] are in use; ` +
      'raise system.maxPasids in the profile',
  );
}
