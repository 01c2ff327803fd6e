// result.schema.json (repository root) is the run result's zod schema published as JSON Schema:
// it is what `npm run schema` writes now, and a schema change left unpublished is caught.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { RESULT_SCHEMA_FILE, resultJsonSchemaText, runResultSchema } from '../../src/run/result-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const committed = readFileSync(join(ROOT, RESULT_SCHEMA_FILE), 'utf8');

describe('the published result schema', () => {
  it('is up to date (regenerate it with `npm run schema`)', () => {
    expect(committed, `${RESULT_SCHEMA_FILE} is stale: run \`npm run schema\` and commit it`).toBe(resultJsonSchemaText());
  });

  it('would be reported stale after a field is added, dropped or retyped', () => {
    for (const changed of [
      runResultSchema.extend({ newField: z.number() }),
      runResultSchema.omit({ memory: true }),
      runResultSchema.extend({ seed: z.string() }),
    ]) {
      expect(resultJsonSchemaText(changed)).not.toBe(committed);
    }
  });

  it('is a strict draft 2020-12 schema: every field required, no other keys', () => {
    const schema = JSON.parse(committed) as { $schema: string; required: string[]; additionalProperties: boolean };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(Object.keys(runResultSchema.shape));
  });
});
