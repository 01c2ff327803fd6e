/**
 * Output paths, checked before any work: a run that cannot write what it was asked for fails in
 * a millisecond with one line (exit 2), not after the run with an internal error.
 *
 * A file output must be a regular file or not exist yet; the nearest existing directory above
 * it must be a writable directory, outside the kernel's pseudo file systems (`/proc`, `/sys`:
 * creating directories there fails, or loops), and every name in the path within the system's
 * limits. A directory output (`--hgrm`) must be a directory or not exist yet, the same way. No
 * two outputs may be the same file (a directory output's files included). `-` is standard output
 * where the option allows it.
 */

import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { BadInputError } from '../run/errors.js';

export interface PlannedOutput {
  /** The option, without dashes (`json`), for messages. */
  readonly option: string;
  readonly path: string;
  /** A file, or a directory the command writes `files` into. */
  readonly kind: 'file' | 'dir';
  readonly files?: readonly string[];
  /** `-` writes to standard output. */
  readonly stdoutAllowed?: boolean;
}

/** Names longer than this (bytes) are refused by Linux file systems (NAME_MAX). */
const NAME_MAX_BYTES = 255;
/** Paths longer than this (bytes) are refused (PATH_MAX). */
const PATH_MAX_BYTES = 4095;
const PSEUDO_ROOTS = ['/proc', '/sys'];

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function fail(o: PlannedOutput, why: string): never {
  throw new BadInputError(`--${o.option} ${o.path}: ${why}`);
}

/** The directory `path` would be created in: its nearest existing ancestor must be a writable directory. */
function checkParent(o: PlannedOutput, path: string): void {
  for (const name of path.split(sep)) {
    if (Buffer.byteLength(name) > NAME_MAX_BYTES) fail(o, `the name "${name.slice(0, 40)}…" is longer than ${NAME_MAX_BYTES} bytes`);
  }
  if (Buffer.byteLength(path) > PATH_MAX_BYTES) fail(o, `the path is longer than ${PATH_MAX_BYTES} bytes`);
  if (PSEUDO_ROOTS.some((r) => path === r || path.startsWith(`${r}${sep}`))) fail(o, `cannot write under ${path.split(sep).slice(0, 2).join(sep)} (a kernel pseudo file system)`);
  let dir = dirname(path);
  for (;;) {
    const st = statOrUndefined(dir);
    if (st) {
      if (!st.isDirectory()) fail(o, `${dir} is not a directory`);
      if (!writable(dir)) fail(o, `the directory ${dir} is not writable`);
      return;
    }
    const up = dirname(dir);
    if (up === dir) fail(o, 'no existing directory above it');
    dir = up;
  }
}

function checkFile(o: PlannedOutput, path: string): void {
  const st = statOrUndefined(path);
  if (st) {
    if (st.isDirectory()) fail(o, 'is a directory; expected a file name');
    if (!st.isFile()) fail(o, 'is not a regular file (a device, pipe or socket); expected a file name');
    if (!writable(path)) fail(o, 'is not writable');
  }
  checkParent(o, path);
}

/** Check every planned output; throws a UsageError (exit 2) naming the first problem. */
export function checkOutputs(outputs: readonly PlannedOutput[]): void {
  const owner = new Map<string, string>();
  const claim = (o: PlannedOutput, file: string) => {
    const other = owner.get(file);
    if (other !== undefined) fail(o, `${file} is also written by --${other}; expected a different file for each output`);
    owner.set(file, o.option);
  };
  for (const o of outputs) {
    if (o.path === '-') {
      if (!o.stdoutAllowed) fail(o, 'standard output (-) is not available for this option; expected a file name');
      claim(o, '-');
      continue;
    }
    const path = resolve(o.path);
    if (o.kind === 'file') {
      checkFile(o, path);
      claim(o, path);
      continue;
    }
    const st = statOrUndefined(path);
    if (st) {
      if (!st.isDirectory()) fail(o, 'exists and is not a directory; expected a directory (its files are written into it)');
      if (!writable(path)) fail(o, 'the directory is not writable');
    } else {
      checkParent(o, path);
    }
    for (const name of o.files ?? []) {
      const file = join(path, name);
      const fst = statOrUndefined(file);
      if (fst && !fst.isFile()) fail(o, `${file} exists and is not a regular file`);
      if (Buffer.byteLength(name) > NAME_MAX_BYTES) fail(o, `the file name "${name.slice(0, 40)}…" is longer than ${NAME_MAX_BYTES} bytes`);
      claim(o, file);
    }
  }
}
