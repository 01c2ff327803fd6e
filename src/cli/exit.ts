/** Process exit statuses, chosen in one place (main.ts). */
export const ExitCode = {
  ok: 0,
  /** The run itself failed (a device crashed, a device did not stop). */
  runFailed: 1,
  /** Bad input: malformed profile, missing file, bad command-line arguments. */
  badInput: 2,
  /**
   * The run completed but a `--fail-if` threshold was not met (report/thresholds.ts): distinct
   * from 1 so CI can tell "the system under test got slower" from "the tool broke".
   */
  thresholdFailed: 3,
  /** Interrupted by SIGINT (128 + 2) or SIGTERM (128 + 15); the outputs hold what was gathered. */
  interrupted: 130,
  terminated: 143,
} as const;
