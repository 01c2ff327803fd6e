/**
 * Shared helpers for the CLI tests (not a test file itself). They run the COMPILED CLI,
 * `node dist/src/cli/main.js ...args`, from the repository root, exactly as a user would.
 * `npm test` runs `tsc` before vitest, so `dist/` is expected to be built already.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/cli/helpers.ts). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The compiled entry point, relative to the repository root. */
export const CLI = 'dist/src/cli/main.js';

/** How long one CLI invocation may take before it is killed and the test fails (ms). */
export const CLI_TIMEOUT_MS = 60_000;

/** Per-test vitest timeout: the CLI timeout plus slack, so a hang reports as a hang. */
export const TEST_TIMEOUT_MS = CLI_TIMEOUT_MS + 30_000;

export interface CliResult {
  /** The exit status (null only if the process was killed by a signal). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run the compiled CLI with `args`, cwd = repo root. Never rejects for a non-zero exit status
 * (tests assert on `status`); rejects if `dist/` is missing, the process cannot be started, or
 * it runs longer than CLI_TIMEOUT_MS.
 */
export function runCli(args: readonly string[]): Promise<CliResult> {
  if (!existsSync(new URL(`../../${CLI}`, import.meta.url))) {
    return Promise.reject(new Error(`${CLI} is missing: build the CLI first with \`npx tsc -p .\``));
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: repoRoot,
        timeout: CLI_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        // No colours, no terminal width: plain, stable text.
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ status: 0, stdout, stderr });
          return;
        }
        // Killed by our timeout (or any signal): fail loudly with what it printed so far.
        if (error.killed || error.signal) {
          reject(
            new Error(
              `dmaload ${args.join(' ')} did not finish within ${CLI_TIMEOUT_MS} ms (signal ${String(error.signal)})\n` +
                `stdout:\n${stdout}\nstderr:\n${stderr}`,
            ),
          );
          return;
        }
        // A numeric code is the exit status; a string code (ENOENT, ...) means it never started.
        if (typeof error.code === 'number') {
          resolve({ status: error.code, stdout, stderr });
          return;
        }
        reject(error);
      },
    );
  });
}

/** The non-empty lines of `text`. */
export const linesOf = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

/** True if `text` looks like it contains a stack trace or a raw error class name. */
export function looksLikeStackTrace(text: string): boolean {
  return /^\s+at /m.test(text) || /(^|\s)([A-Z]\w*)?Error:/m.test(text);
}
