// `tickflow serve` as a library: start the Dapr-compatible HTTP API in-process.
export { startServer, ServeError, type ServeOptions, type TickflowServer } from './tickflow-server.js';
export { WorkflowModuleError } from './workflow-module.js';
export type { ErrorBody } from './api-error.js';
