/**
 * Ctrl-C and `kill`: the first SIGINT or SIGTERM asks the run to stop early (its AbortSignal):
 * devices stop through their stop flag, the descriptors in flight complete, and the command
 * writes the summary and every output it was asked for, marked interrupted; then it exits 130
 * (SIGINT) or 143 (SIGTERM) through InterruptedError. A second signal exits at once.
 */

import { InterruptedError } from '../run/errors.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Caught = (typeof SIGNALS)[number];

/** 128 + the signal's number, as shells report a death by signal. */
export const SIGNAL_EXIT: Record<Caught, number> = { SIGINT: 130, SIGTERM: 143 };

export class Interruption {
  private readonly controller = new AbortController();
  private caught: Caught | undefined;
  private readonly handlers = new Map<Caught, () => void>();

  constructor() {
    for (const s of SIGNALS) {
      const h = () => this.on(s);
      this.handlers.set(s, h);
      process.on(s, h);
    }
  }

  /** Aborted at the first signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private on(s: Caught): void {
    if (this.caught) {
      process.stderr.write(`dmaload: ${s} again: aborting at once, nothing more is written\n`);
      process.exit(SIGNAL_EXIT[s]);
    }
    this.caught = s;
    process.stderr.write(`dmaload: ${s}: stopping the devices and writing what was gathered (send it again to abort at once)\n`);
    this.controller.abort(s);
  }

  /** Stop listening; throw InterruptedError if a signal came (after the outputs are written). */
  finish(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    if (this.caught) throw new InterruptedError(this.caught, SIGNAL_EXIT[this.caught]);
  }

  /** Stop listening (the command failed another way). */
  dispose(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
  }
}
