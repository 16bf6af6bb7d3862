// @kaine/sdk: a client of the Kaine v1 API. No dependencies; Node 20+.
export { Kaine, VERSION, DEFAULT_BASE_URL } from './client.js';
export { KaineError } from './errors.js';
export { LlmStream } from './stream.js';
export { AuditExport, AuditExportCsv } from './export.js';
export { Kaine as default } from './client.js';
