/**
 * Runs one invocation the way the Functions Node.js worker does: the
 * library's programming model turns the trigger data into the handler's
 * arguments (getArguments), preInvocation hooks run, the handler runs
 * (invokeFunction), postInvocation hooks run, and the library converts the
 * result into output bindings (getResponse).
 */
import { randomUUID } from 'node:crypto';
import type { FunctionRegistration, HookRegistration } from './core-module.js';
import type {
  CoreInvocationContext,
  FunctionCallback,
  ProgrammingModel,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcParameterBinding,
  RpcTypedData,
} from './core-types.js';

export interface InvocationInput {
  inputData: RpcParameterBinding[];
  triggerMetadata?: Record<string, RpcTypedData>;
}

export interface InvocationOutcome {
  invocationId: string;
  /** What the handler returned (after postInvocation hooks), before conversion. */
  result: unknown;
  /** The result as the library converts it for the host ($return and output bindings). */
  response: RpcInvocationResponse;
}

export type InvocationLog = (invocationId: string, level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

export interface RunInvocationOptions {
  model: ProgrammingModel;
  registration: FunctionRegistration;
  hooks: readonly HookRegistration[];
  appHookData: Record<string, unknown>;
  input: InvocationInput;
  log: InvocationLog;
  invocationId?: string;
}

/** Failure of the handler (or a hook), carrying the invocation id for the host's log. */
export class InvocationFailedError extends Error {
  constructor(
    readonly functionName: string,
    readonly invocationId: string,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`function ${functionName} (invocation ${invocationId}) failed: ${reason}`, options);
    this.name = 'InvocationFailedError';
  }
}

async function runHooks(hooks: readonly HookRegistration[], name: HookRegistration['name'], context: Record<string, unknown>): Promise<void> {
  for (const hook of hooks) {
    if (hook.name === name) await hook.callback(context);
  }
}

export async function runInvocation(options: RunInvocationOptions): Promise<InvocationOutcome> {
  const { model, registration, hooks, appHookData, input } = options;
  const invocationId = options.invocationId ?? randomUUID();
  const functionName = registration.metadata.name;
  const coreContext: CoreInvocationContext = {
    invocationId,
    request: {
      invocationId,
      functionId: registration.metadata.functionId ?? functionName,
      inputData: input.inputData,
      triggerMetadata: input.triggerMetadata ?? {},
    },
    metadata: registration.metadata,
    log: (level, category, message) => options.log(invocationId, level, category, message),
  };
  try {
    const invocationModel = model.getInvocationModel(coreContext);
    const { context, inputs } = await invocationModel.getArguments();
    const hookData: Record<string, unknown> = {};

    coreContext.state = 'preInvocationHooks';
    const pre: Record<string, unknown> = { hookData, appHookData, invocationContext: context, inputs, functionCallback: registration.callback };
    await runHooks(hooks, 'preInvocation', pre);

    coreContext.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
      result = await invocationModel.invokeFunction(context, pre['inputs'] as unknown[], pre['functionCallback'] as FunctionCallback);
    } catch (thrown) {
      error = thrown;
    }

    coreContext.state = 'postInvocationHooks';
    const post: Record<string, unknown> = { hookData, appHookData, invocationContext: context, inputs: pre['inputs'], result, error };
    await runHooks(hooks, 'postInvocation', post);
    delete coreContext.state;
    if (post['error'] !== undefined && post['error'] !== null) throw post['error'];

    const response = await invocationModel.getResponse(context, post['result']);
    return { invocationId, result: post['result'], response };
  } catch (cause) {
    throw new InvocationFailedError(functionName, invocationId, { cause });
  }
}
