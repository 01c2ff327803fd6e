/**
 * Helpers for the HTML report tests (not a test file itself): the embedded data block and any
 * reference that would fetch from the network.
 */
import { expect } from 'vitest';
import { REPORT_DATA_ID, type ReportData } from '../../../src/report/html/data.js';

export function dataBlock(html: string): ReportData {
  const m = new RegExp(`<script type="application/json" id="${REPORT_DATA_ID}">([\\s\\S]*?)</script>`).exec(html);
  expect(m, 'JSON data block').not.toBeNull();
  return JSON.parse(m![1]!) as ReportData;
}

export function externalRefs(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\b(?:src|href|action|poster|data)\s*=\s*["']?\s*([^"'\s>]+)/gi)) {
    if (/^(?:https?:)?\/\//i.test(m[1]!)) out.push(m[0]);
  }
  for (const m of html.matchAll(/url\(\s*["']?(?:https?:)?\/\//gi)) out.push(m[0]);
  for (const m of html.matchAll(/@import/gi)) out.push(m[0]);
  return out;
}
