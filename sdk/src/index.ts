export type { Permission, Principal, RouteAccess } from './access.ts';
export { PERMISSIONS } from './access.ts';
export type { ChangeLogRow } from './change-log.ts';
export { CHANGE_LOG_COLUMNS, changeLogBatch, rowJson } from './change-log.ts';
export type { CheckCompileContext, CheckDefinition, CompiledCheck, HistoryJudge } from './check.ts';
export { defineCheck } from './check.ts';
export type {
  ConnectionCheckResult,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorState,
  CsvOptions,
  DiscoveredColumn,
  DiscoveredStream,
  FileFormat,
  FileItem,
  FileReadOptions,
  JsonOptions,
  ReadItem,
  StreamProbe,
  StreamRequest,
  XlsxOptions,
} from './connector.ts';
export { ASSAY_TYPE_METADATA, defineConnector } from './connector.ts';
export type { HttpRouter, Lifecycle, PluginConfig, PluginHttpApp } from './core-services.ts';
export { coreServices } from './core-services.ts';
export type { AssayErrorOptions, ErrorClass } from './errors.ts';
export {
  AssayError,
  AuthenticationError,
  classifyError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  OperationalError,
  UserError,
} from './errors.ts';
export type { EventBus, EventMeta, EventRef } from './events.ts';
export { defineEvent } from './events.ts';
export type { Logger } from './logger.ts';
export type {
  InputChanges,
  OperatorCategory,
  OperatorColumn,
  OperatorContext,
  OperatorDefinition,
  OperatorEngine,
  OperatorInput,
  OperatorOutput,
  OperatorPartition,
  OperatorResult,
  OperatorRunInfo,
  OutputWriteRequest,
  OutputWriteResult,
  QuarantineRequest,
  QuarantineResult,
} from './operator.ts';
export { defineOperator } from './operator.ts';
export { isSqlTypeName, quoteIdentifier, quoteLiteral, quoteRelation, subquery } from './sql-text.ts';
export type { Plugin, PluginDefinition, PluginEnvironment, PluginMigration, PortalContribution } from './plugin.ts';
export { definePlugin, isPlugin, PLUGIN_MARKER } from './plugin.ts';
export type { JobFinished, RunFinished } from './run-events.ts';
export { jobFinished, runFinished } from './run-events.ts';
export type { IncidentEvent } from './quality-events.ts';
export { incidentOpened, incidentResolved, incidentUpdated } from './quality-events.ts';
export type { QueueJob, QueuePolicy, QueueRef, QueueService, SendOptions, WorkOptions } from './queue.ts';
export { defineQueue } from './queue.ts';
export type { Static, TObject, TSchema, UiHints } from './schema.ts';
export { isSecretSchema, schemaFieldPaths, Secret, SECRET_KEYWORD, Type } from './schema.ts';
export type { ServiceInstances, ServiceRef, ServiceScope } from './service-ref.ts';
export { createServiceRef } from './service-ref.ts';
export type { FileGlob } from './file-sources/file-glob.ts';
export { compileGlob } from './file-sources/file-glob.ts';
export type { FileStreamSettings } from './file-sources/file-stream-config.ts';
export {
  fileExtension,
  FileStreamConfig,
  formatFor,
  formatOfName,
  readOptionsFor,
} from './file-sources/file-stream-config.ts';
export type { SeenEntry, SeenState } from './file-sources/seen-files.ts';
export { SEEN_FILES_CAP, SeenFiles } from './file-sources/seen-files.ts';
export { probeOfNewFiles } from './file-sources/new-files-probe.ts';
