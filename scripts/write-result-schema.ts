/**
 * `npm run schema`: write `result.schema.json` at the repository root (npm runs scripts there),
 * the run result's JSON Schema generated from its zod schema (src/run/result-schema.ts).
 * test/report/result-schema-published.test.ts fails while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { RESULT_SCHEMA_FILE, resultJsonSchemaText } from '../src/run/result-schema.js';

writeFileSync(RESULT_SCHEMA_FILE, resultJsonSchemaText());
process.stdout.write(`wrote ${RESULT_SCHEMA_FILE}\n`);
