/** The local Azure Functions host: see host.ts. */
export { startFunctionsHost, type FunctionInfo, type RunningFunctionsHost, type StartFunctionsHostOptions } from './host.js';
export { findFunctionModules } from './find-modules.js';
export { parseNcrontab, NcrontabError, type NcrontabSchedule } from './ncrontab.js';
export { compileRoute, RouteTemplateError, type CompiledRoute } from './routes.js';
export { AppSettingError } from './app-settings.js';
export { createConsoleLogger } from './console-logger.js';
