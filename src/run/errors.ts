/** Run-level errors the CLI reports without a stack trace. */

/** The run could not be set up from the given input (exit status 2). */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/** A device worker died or the run could not complete (exit status 1). */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
}

/** The run completed but at least one --fail-if threshold failed (exit status 3). */
export class ThresholdsFailedError extends Error {
  override readonly name = 'ThresholdsFailedError';
}
