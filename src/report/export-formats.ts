/**
 * The formats `dmaload export` writes, in a module of their own so the command line can offer
 * them as choices without loading the exporter (report/export.ts).
 */

export const EXPORT_FORMATS = ['hgrm', 'csv', 'json', 'md'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
