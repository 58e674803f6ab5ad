/**
 * What the function modules take from the app: its settings at once, and its services on
 * first use. The composition root pulls in every Azure SDK, the database drivers and the ARM
 * clients, so a module that imported it would load them all before the host could register a
 * single function; a dynamic import leaves them to the first invocation (docs/deploy.md).
 */
import type { AppServices } from './composition.js';
import { loadConfig, type AppConfig } from './config.js';

let config: AppConfig | undefined;
let services: Promise<AppServices> | undefined;

/** Settings from the environment, read once; a bad setting fails the worker at start-up. */
export function appConfig(): AppConfig {
  config ??= loadConfig(process.env);
  return config;
}

/**
 * The app's services, composed once, on the first call. A call that fails (a bad setting, a
 * module that would not load) is not remembered: the next invocation tries again, as it did
 * when composition was synchronous.
 */
export function loadAppServices(): Promise<AppServices> {
  services ??= import('./composition.js')
    .then((composition) => composition.appServices())
    .catch((error: unknown) => {
      services = undefined;
      throw error;
    });
  return services;
}
