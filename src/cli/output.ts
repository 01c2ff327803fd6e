/**
 * Writing a command's output file: its directory created first, then the "wrote <file>" line
 * on stdout unless the command is quiet.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write `text` to `file` (creating its directory; preflight.ts checked the path before any work)
 * and say so on `info` unless quiet; `what` follows the name. `-` is standard output.
 */
export function writeOutput(file: string, text: string, quiet: boolean, what = '', info: NodeJS.WritableStream = process.stdout): void {
  if (file === '-') {
    process.stdout.write(text);
    return;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  if (!quiet) info.write(`wrote ${file}${what}\n`);
}
