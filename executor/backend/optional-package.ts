// Loading an optional npm package whose absence is normal. Two different failures must be told apart:
// npm dropped the package (its install script could not download libtensorflow), or the package is
// there but its native addon is missing or broken — both surface as MODULE_NOT_FOUND from require(),
// so "installed?" is decided by resolving the package itself first.
import { createRequire } from 'node:module';

export interface PackageLoader {
  /** Resolved entry file of `spec`, or null when the package is not installed. */
  resolve(spec: string): string | null;
  /** Imports `spec` (runs its side effects, such as registering a backend). */
  load(spec: string): Promise<unknown>;
}

const require = createRequire(import.meta.url);

/** The real loader: Node's resolution from this module and a dynamic import. */
export const nodePackageLoader: PackageLoader = {
  resolve(spec) {
    try {
      return require.resolve(spec);
    } catch {
      return null;
    }
  },
  load: (spec) => import(spec),
};

export type LoadResult = { ok: true; module: unknown } | { ok: false; reason: string };

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** Loads `spec` and says why not when it cannot. */
export async function loadOptionalPackage(spec: string, loader: PackageLoader): Promise<LoadResult> {
  if (loader.resolve(spec) === null) return { ok: false, reason: `${spec} is not installed` };
  try {
    return { ok: true, module: await loader.load(spec) };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return {
      ok: false,
      reason: `${spec} is installed but failed to load (native addon missing or broken?): ${typeof code === 'string' ? `${code}: ` : ''}${firstLine(e)}`,
    };
  }
}
