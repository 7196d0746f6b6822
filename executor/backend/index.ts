// Chooses the TensorFlow.js backend at start: tfjs-node-gpu, then tfjs-node, then wasm with our gradient
// kernels (then, for `auto` only, the slow pure-JS cpu backend), and reports what was chosen and why.
//
// One engine for every package: tfjs-core keeps its engine, backend registry and kernel registry on the
// global object (`globalThis._tfengine`, `kernelRegistry`), so a backend registered by tfjs-node's own
// bundled @tensorflow/tfjs is visible to the @tensorflow/tfjs-core that tfjs-layers and this project
// import, even if npm did not dedupe the two copies; Tensor `instanceof` checks are structural in tfjs 4.
// We therefore always hand out our own tfjs-core namespace and switch it to the backend the package
// registered, check the registration is visible, and warn when the package's tfjs-core version differs.
import * as tf from '@tensorflow/tfjs-core';
import { NodalError } from '../../config/errors.js';
import { silentLogger, type Logger } from '../../config/logger.js';
import {
  BACKEND_PACKAGE,
  ENGINE_BACKEND,
  backendCandidates,
  type BackendName,
  type BackendPreference,
} from './candidates.js';
import { loadOptionalPackage, nodePackageLoader, type PackageLoader } from './optional-package.js';

export { backendCandidates, type BackendName, type BackendPreference } from './candidates.js';

/** The backend in use. `tf` is the tfjs-core namespace to use with it (the one tfjs-layers shares). */
export interface SelectedBackend {
  tf: typeof tf;
  name: BackendName;
  /** The engine's backend name: `tensorflow`, `wasm` or `cpu`. */
  engineBackend: string;
  /** Kernels we registered ourselves (wasm: the gradient kernels). */
  kernels?: string[];
  /** Why this backend: configured, or the first that loaded. */
  reason: string;
  /** Backends tried before it, each with why it was not used. */
  skipped: Array<{ name: BackendName; reason: string }>;
}

/** Seams for tests; production uses the defaults. */
export interface BackendDeps {
  packages?: PackageLoader;
  /** Registers the wasm gradient kernels (default: executor/kernels/wasm-grad). */
  registerWasmKernels?: () => Promise<{ registered: string[] }>;
}

/** The kernel stock wasm lacks for training a CNN (TFJS-NOTES); present once ours are registered. */
export const REQUIRED_WASM_GRADIENT_KERNEL = 'Conv2DBackpropFilter';

const defaultWasmKernels = async (): Promise<{ registered: string[] }> => {
  const kernels = await import('../kernels/wasm-grad/index.js');
  return kernels.registerWasmGradientKernels();
};

// Kernel registration is global and happens once per process, whatever selectBackend is called again.
const kernelRegistrations = new WeakMap<() => Promise<{ registered: string[] }>, Promise<string[]>>();

function registerOnce(register: () => Promise<{ registered: string[] }>): Promise<string[]> {
  let p = kernelRegistrations.get(register);
  if (!p) {
    p = register().then((r) => r.registered);
    kernelRegistrations.set(register, p);
    p.catch(() => kernelRegistrations.delete(register));
  }
  return p;
}

type Attempt = { ok: true; kernels?: string[]; warnings: string[] } | { ok: false; reason: string };

async function activate(engineName: string): Promise<string | null> {
  if (!tf.findBackendFactory(engineName))
    return `no '${engineName}' backend registered with tfjs-core ${tf.version_core}`;
  try {
    if (!(await tf.setBackend(engineName))) return `the '${engineName}' backend failed to initialise`;
  } catch (e) {
    return `the '${engineName}' backend failed to initialise: ${(e as Error).message}`;
  }
  await tf.ready();
  return null;
}

async function tryNode(name: BackendName, packages: PackageLoader): Promise<Attempt> {
  const loaded = await loadOptionalPackage(BACKEND_PACKAGE[name], packages);
  if (!loaded.ok) return loaded;
  const failure = await activate(ENGINE_BACKEND[name]);
  if (failure) return { ok: false, reason: `${BACKEND_PACKAGE[name]} loaded but ${failure}` };
  const theirCore = (loaded.module as { version?: Record<string, string> } | null)?.version?.['tfjs-core'];
  const warnings =
    theirCore && theirCore !== tf.version_core
      ? [`${BACKEND_PACKAGE[name]} bundles tfjs-core ${theirCore}, layers use ${tf.version_core}`]
      : [];
  return { ok: true, warnings };
}

async function tryWasm(deps: BackendDeps): Promise<Attempt> {
  const loaded = await loadOptionalPackage(BACKEND_PACKAGE.wasm, deps.packages ?? nodePackageLoader);
  if (!loaded.ok) return loaded;
  const failure = await activate('wasm');
  if (failure) return { ok: false, reason: failure };
  let kernels: string[];
  try {
    kernels = await registerOnce(deps.registerWasmKernels ?? defaultWasmKernels);
  } catch (e) {
    return { ok: false, reason: `cannot register the wasm gradient kernels: ${(e as Error).message}` };
  }
  if (!tf.getKernel(REQUIRED_WASM_GRADIENT_KERNEL, 'wasm')) {
    return { ok: false, reason: `wasm has no ${REQUIRED_WASM_GRADIENT_KERNEL} kernel after registration` };
  }
  return { ok: true, kernels, warnings: [] };
}

async function tryCpu(deps: BackendDeps): Promise<Attempt> {
  const loaded = await loadOptionalPackage(BACKEND_PACKAGE.cpu, deps.packages ?? nodePackageLoader);
  if (!loaded.ok) return loaded;
  const failure = await activate('cpu');
  return failure ? { ok: false, reason: failure } : { ok: true, warnings: [] };
}

function attempt(name: BackendName, deps: BackendDeps): Promise<Attempt> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return tryNode(name, deps.packages ?? nodePackageLoader);
    case 'wasm':
      return tryWasm(deps);
    case 'cpu':
      return tryCpu(deps);
  }
}

/**
 * Selects and activates a backend: `auto` takes the first of tfjs-node-gpu, tfjs-node, wasm, cpu that
 * loads; an explicit name must load or this throws UNAVAILABLE with the reason. On wasm our gradient
 * kernels are registered (once per process) so tfjs layers can train. Logs the choice and every skip.
 */
export async function selectBackend(
  pref: BackendPreference,
  logger: Logger = silentLogger,
  deps: BackendDeps = {},
): Promise<SelectedBackend> {
  const log = logger.child({ component: 'backend' });
  const skipped: SelectedBackend['skipped'] = [];
  for (const name of backendCandidates(pref)) {
    const result = await attempt(name, deps);
    if (!result.ok) {
      skipped.push({ name, reason: result.reason });
      log.info('backend skipped', { backend: name, reason: result.reason });
      continue;
    }
    for (const warning of result.warnings) log.warn('backend version mismatch', { backend: name, warning });
    const reason =
      pref === 'auto'
        ? skipped.length
          ? `first that loaded; skipped ${skipped.map((s) => s.name).join(', ')}`
          : 'first that loaded'
        : 'configured';
    const selected: SelectedBackend = { tf, name, engineBackend: tf.getBackend(), reason, skipped };
    if (result.kernels) selected.kernels = result.kernels;
    log.info('backend selected', {
      backend: name,
      engineBackend: selected.engineBackend,
      reason,
      kernels: result.kernels,
      skipped,
      tfjsCore: tf.version_core,
    });
    if (name === 'cpu' && pref === 'auto') log.warn('training on the pure-JS cpu backend is very slow', {});
    return selected;
  }
  const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new NodalError(
    'UNAVAILABLE',
    pref === 'auto'
      ? `no TensorFlow.js backend could be loaded (${why})`
      : `backend ${pref} unavailable: ${why}`,
    { preference: pref, skipped },
  );
}
