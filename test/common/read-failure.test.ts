// Why a file could not be read, in the words every reader uses (profiles, results, hlogs).
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { readFailure } from '../../src/common/read-failure.js';

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('readFailure', () => {
  it('names a missing file, a directory, a permission problem, else the system message', () => {
    expect(readFailure(thrownBy(() => readFileSync(join(tmpdir(), 'dmaload-no-such-file'))))).toBe('no such file');
    expect(readFailure(thrownBy(() => readFileSync(tmpdir())))).toBe('it is a directory');
    expect(readFailure(Object.assign(new Error('EACCES: nope'), { code: 'EACCES' }))).toBe('permission denied');
    expect(readFailure(new Error('disk on fire'))).toBe('disk on fire');
  });
});
