// Instantiates the SIMD kernels against the memory of one tfjs wasm backend, once per backend.
import { buildSimdModule, type SimdExports } from './programs.js';

// The project compiles against lib ES2022 without DOM typings, which is where TypeScript declares the
// WebAssembly global; this is the part of it we use.
/** A WebAssembly.Memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

/** The parts of tfjs-backend-wasm's emscripten module we use. */
interface EmscriptenModule {
  asm?: { memory?: unknown };
  wasmMemory?: unknown;
}

let compiled: object | null | undefined;
const instances = new WeakMap<object, SimdExports | null>();

function compile(): object | null {
  if (compiled === undefined) {
    const bytes = buildSimdModule();
    // validate() is false where the engine lacks fixed-width SIMD: callers then use their fallbacks.
    compiled = wasmApi && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return compiled;
}

/** The heap memory of a tfjs wasm backend's module, or null if it is not reachable or is shared. */
export function backendMemory(wasm: unknown): WasmMemory | null {
  const module = wasm as EmscriptenModule | null;
  const memory = module?.asm?.memory ?? module?.wasmMemory ?? null;
  if (!wasmApi || !(memory instanceof wasmApi.Memory)) return null;
  // The threaded build's memory is shared; our module imports a non-shared one.
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  return memory;
}

/**
 * The SIMD kernels bound to the heap of the backend whose emscripten module is `wasm`, or null where
 * they cannot run (no SIMD, memory not reachable): the kernels then take their fallbacks.
 */
export function simdKernelsFor(wasm: object): SimdExports | null {
  if (instances.has(wasm)) return instances.get(wasm)!;
  let kernels: SimdExports | null = null;
  const memory = backendMemory(wasm);
  const module = memory ? compile() : null;
  if (wasmApi && memory && module) {
    kernels = new wasmApi.Instance(module, { env: { memory } }).exports as SimdExports;
  }
  instances.set(wasm, kernels);
  return kernels;
}
