/**
 * Provides the `@azure/functions-core` module to @azure/functions in this
 * process, as the Azure Functions Node.js worker does, and collects what the
 * app's modules register while the local host imports them.
 *
 * Why a `Module.prototype.require` proxy: @azure/functions is a CommonJS bundle
 * that calls `require('@azure/functions-core')` lazily, on the first app.* call.
 * On Node 20, `module.register` loader hooks see ESM `import`s only, never a
 * CommonJS `require`, so they cannot provide it; `Module._resolveFilename` could,
 * but only with a made-up file planted in `require.cache`. Every CommonJS
 * `require` goes through `Module.prototype.require`, which is also the function
 * the real worker intercepts, so the library takes exactly the path it takes in
 * Azure. The proxy answers one module name and passes everything else through.
 *
 * The library decides once per process: if any app.* call ran before
 * installCoreModule(), it stays in "test mode" and registers nothing. The host
 * reports that case instead of serving an empty app.
 */
import Module from 'node:module';
import type {
  Disposable,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookName,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from './core-types.js';

export interface FunctionRegistration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

export interface HookRegistration {
  name: HookName;
  callback: HookCallback;
}

/** What one module registered when it was evaluated. */
export interface ModuleRegistrations {
  functions: FunctionRegistration[];
  hooks: HookRegistration[];
}

export type SystemLogSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

const CORE_MODULE_NAME = '@azure/functions-core';
const SUPPORTED_HOOKS: readonly string[] = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation'];

let installed = false;
let programmingModel: ProgrammingModel | undefined;
/** Set only while a module is being imported for a host: registrations land here. */
let collecting: ModuleRegistrations | undefined;
/** ESM evaluates a module once per process; a later host reuses what it registered then. */
const registrationsByModule = new Map<string, ModuleRegistrations>();
let loading: Promise<unknown> = Promise.resolve();
const systemLogSinks = new Set<SystemLogSink>();

class CoreDisposable implements Disposable {
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  static from(...items: { dispose(): unknown }[]): CoreDisposable {
    return new CoreDisposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.#callOnDispose?.();
    this.#callOnDispose = undefined;
  }
}

function removeFrom<T>(list: T[], item: T): CoreDisposable {
  return new CoreDisposable(() => {
    const index = list.indexOf(item);
    if (index >= 0) list.splice(index, 1);
  });
}

const coreApi = {
  version: '4.0.0-local',
  hostVersion: '4.1000.0-local',
  Disposable: CoreDisposable,
  setProgrammingModel(model: ProgrammingModel): void {
    programmingModel = model;
  },
  getProgrammingModel(): ProgrammingModel | undefined {
    return programmingModel;
  },
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (!collecting) {
      throw new Error(
        `Function "${metadata.name}" was registered outside app start-up: the local functions host only accepts registrations while it imports the app's modules.`,
      );
    }
    const registration = { metadata, callback };
    collecting.functions.push(registration);
    return removeFrom(collecting.functions, registration);
  },
  registerHook(name: string, callback: HookCallback): Disposable {
    if (!SUPPORTED_HOOKS.includes(name)) {
      throw new Error(`The local functions host does not support "${name}" hooks (supported: ${SUPPORTED_HOOKS.join(', ')}).`);
    }
    if (!collecting) {
      throw new Error(`A "${name}" hook was registered outside app start-up; register hooks at the top level of a function module.`);
    }
    const registration = { name: name as HookName, callback };
    collecting.hooks.push(registration);
    return removeFrom(collecting.hooks, registration);
  },
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
    if (systemLogSinks.size === 0) {
      if (level === 'warning' || level === 'error' || level === 'critical') console.warn(message);
      return;
    }
    for (const sink of systemLogSinks) sink(level, category, message);
  },
};

/** Idempotent; safe to call from every host start. */
export function installCoreModule(): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originalRequire = Module.prototype.require;
  Module.prototype.require = new Proxy(originalRequire, {
    apply(target, thisArg: unknown, args: unknown[]) {
      if (args[0] === CORE_MODULE_NAME) return coreApi;
      return Reflect.apply(target, thisArg, args);
    },
  }) as typeof originalRequire;
}

export function currentProgrammingModel(): ProgrammingModel | undefined {
  return programmingModel;
}

/** Library system messages (e.g. "discarding the body of a GET") go to every running host's logger. */
export function addSystemLogSink(sink: SystemLogSink): () => void {
  systemLogSinks.add(sink);
  return () => systemLogSinks.delete(sink);
}

/**
 * Imports the modules one after another (hosts started concurrently queue up,
 * so each registration is attributed to the module being imported) and returns
 * what each module registered.
 */
export async function loadFunctionModules(moduleUrls: readonly string[]): Promise<ModuleRegistrations[]> {
  installCoreModule();
  const run = loading.then(async () => {
    const result: ModuleRegistrations[] = [];
    for (const url of moduleUrls) {
      let registrations = registrationsByModule.get(url);
      if (!registrations) {
        registrations = { functions: [], hooks: [] };
        collecting = registrations;
        try {
          await import(url);
        } finally {
          collecting = undefined;
        }
        registrationsByModule.set(url, registrations);
      }
      result.push(registrations);
    }
    return result;
  });
  loading = run.catch(() => undefined);
  return run;
}
