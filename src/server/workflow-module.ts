import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { enableTypeScriptImports, isTypeScript, NO_TSX_HINT } from '../common/typescript-imports.js';
import type { ActivityRegistrationOptions, AnyActivity } from '../runtime/activities/activity-types.js';
import type { AnyWorkflow } from '../engine/workflow-context.js';
import type { RuntimeCore, WorkflowRegistrationOptions } from '../runtime/runtime-core.js';
import { TickflowError } from '../common/tickflow-error.js';

/** `--workflows` could not be used; the message says which file and what is wrong. */
export class WorkflowModuleError extends TickflowError {
  override name = 'WorkflowModuleError';
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super(`--workflows ${path}: ${message}`, options);
    this.path = path;
  }
}

export interface WorkflowModule {
  path: string;
  workflows: Map<string, AnyWorkflow>;
  activities: Map<string, AnyActivity>;
  /** Registration options by workflow export key (the `workflowOptions` export), e.g. `failFast`. */
  workflowOptions: Map<string, WorkflowRegistrationOptions>;
  /** Registration options by activity export key (the `activityOptions` export), e.g. `inline`. */
  activityOptions: Map<string, ActivityRegistrationOptions>;
}

const EXPECTED =
  'an ES module exporting `workflows` and/or `activities` objects (name → function), and optionally ' +
  '`workflowOptions` and `activityOptions` (name → registration options)';

/**
 * Imports the module given to `--workflows` and reads its `workflows` and `activities` exports.
 * A .js/.mjs module needs nothing. Node 20 cannot import TypeScript, so for a .ts module tickflow
 * registers the `tsx` loader (`enableTypeScriptImports`), and says what to install when there is none.
 */
export async function loadWorkflowModule(path: string): Promise<WorkflowModule> {
  const absolute = resolve(path);
  try {
    await access(absolute);
  } catch {
    throw new WorkflowModuleError(path, `no such file (${absolute})`);
  }
  let exports: Record<string, unknown>;
  try {
    if (isTypeScript(absolute) && !(await enableTypeScriptImports(absolute))) {
      throw new WorkflowModuleError(path, NO_TSX_HINT);
    }
    exports = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof WorkflowModuleError) throw error;
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new WorkflowModuleError(path, `failed to import: ${reason}`, { cause: error });
  }
  if (exports['workflows'] === undefined && exports['activities'] === undefined) {
    throw new WorkflowModuleError(path, `exports neither workflows nor activities; expected ${EXPECTED}`);
  }
  const workflows = functionsOf(path, exports, 'workflows') as Map<string, AnyWorkflow>;
  const activities = functionsOf(path, exports, 'activities') as Map<string, AnyActivity>;
  return {
    path: absolute,
    workflows,
    activities,
    workflowOptions: optionsOf(path, exports, 'workflowOptions', workflows),
    activityOptions: optionsOf(path, exports, 'activityOptions', activities),
  };
}

/**
 * Registers everything under its export key. A function whose own name differs from its key is
 * also registered under that name, because `ctx.callActivity(fn)` and `callChildWorkflow(fn)`
 * look functions up by `fn.name`.
 */
export function registerWorkflowModule(runtime: RuntimeCore, module: WorkflowModule): void {
  registerEach(module.path, module.workflows, module.workflowOptions, 'workflowOptions', (name, fn, o) =>
    runtime.registerWorkflowWithName(name, fn, o),
  );
  registerEach(module.path, module.activities, module.activityOptions, 'activityOptions', (name, fn, o) =>
    runtime.registerActivityWithName(name, fn, o),
  );
}

/** Registers each function under its key (and its own name), a refused option naming the file and key. */
function registerEach<Fn extends { name: string }, Options>(
  path: string,
  functions: ReadonlyMap<string, Fn>,
  options: ReadonlyMap<string, Options>,
  optionsExport: 'workflowOptions' | 'activityOptions',
  register: (name: string, fn: Fn, options: Options | undefined) => void,
): void {
  for (const [key, fn] of functions) {
    const given = options.get(key);
    try {
      register(key, fn, given);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new WorkflowModuleError(path, `${optionsExport}.${key}: ${reason}`, { cause: error });
    }
    if (fn.name && fn.name !== key && !functions.has(fn.name)) register(fn.name, fn, given);
  }
}

function functionsOf(
  path: string,
  exports: Record<string, unknown>,
  name: 'workflows' | 'activities',
): Map<string, (...args: never[]) => unknown> {
  const value = exports[name];
  const found = new Map<string, (...args: never[]) => unknown>();
  if (value === undefined) return found;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WorkflowModuleError(
      path,
      `export \`${name}\` must be an object of name → function, got ${describe(value)}`,
    );
  }
  for (const [key, fn] of Object.entries(value)) {
    if (typeof fn !== 'function') {
      throw new WorkflowModuleError(path, `${name}.${key} must be a function, got ${describe(fn)}`);
    }
    found.set(key, fn as (...args: never[]) => unknown);
  }
  return found;
}

/**
 * The optional `workflowOptions` (`failFast`, `failureTypes`) or `activityOptions` (`inline`)
 * export: registration options by export key. Its shape is checked here so a typo names the file;
 * the fields are checked by the registration itself.
 */
function optionsOf<Options extends object>(
  path: string,
  exports: Record<string, unknown>,
  name: 'workflowOptions' | 'activityOptions',
  registered: ReadonlyMap<string, unknown>,
): Map<string, Options> {
  const value = exports[name];
  const found = new Map<string, Options>();
  if (value === undefined) return found;
  const kind = name === 'workflowOptions' ? 'workflow' : 'activity';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WorkflowModuleError(
      path,
      `export \`${name}\` must be an object of ${kind} name → options, got ${describe(value)}`,
    );
  }
  const example = name === 'workflowOptions' ? '{ failFast: true }' : '{ inline: true }';
  for (const [key, options] of Object.entries(value)) {
    if (!registered.has(key)) {
      const known = [...registered.keys()].join(', ') || 'none';
      const exported = name === 'workflowOptions' ? 'workflows' : 'activities';
      throw new WorkflowModuleError(path, `${name}.${key} names no exported ${kind} (${exported}: ${known})`);
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new WorkflowModuleError(
        path,
        `${name}.${key} must be an object such as ${example}, got ${describe(options)}`,
      );
    }
    found.set(key, options as Options);
  }
  return found;
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}
