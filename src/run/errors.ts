/** Run-level errors the CLI reports without a stack trace. */

/** The run could not be set up from the given input (exit status 2). */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/**
 * A device worker died or the run could not complete (exit status 1). `outcome`: the result
 * built from what was gathered (every other device's figures, the failure recorded), when the
 * run got far enough to have one.
 */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  constructor(
    message: string,
    /** A RunOutcome (run/result.ts; not imported here, which every run module imports). */
    readonly outcome?: unknown,
  ) {
    super(message);
  }
}

/** The run was interrupted by a signal; its outputs hold what was gathered (exit 130 or 143). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(
    readonly signal: string,
    readonly exitCode: number,
    /** What the signal stopped, when it is not a run (a queue worker). */
    message = `interrupted by ${signal}; the summary and outputs hold what was gathered until then`,
  ) {
    super(message);
  }
}

/** The run completed but at least one --fail-if threshold failed (exit status 3). */
export class ThresholdsFailedError extends Error {
  override readonly name = 'ThresholdsFailedError';
}
