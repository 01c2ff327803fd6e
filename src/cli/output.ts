/**
 * Writing a command's output file: its directory created first, then the "wrote <file>" line
 * on stdout unless the command is quiet.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Write `text` to `file` (creating its directory) and say so unless quiet; `what` follows the name. */
export function writeOutput(file: string, text: string, quiet: boolean, what = ''): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  if (!quiet) process.stdout.write(`wrote ${file}${what}\n`);
}
