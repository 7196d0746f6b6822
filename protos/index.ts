// The Mesos v1 wire schema: our own .proto files under protos/mesos/v1/, loaded with protobufjs at run time.
// `keepCase: true` keeps the snake_case proto names, which are also Mesos' JSON keys (camelCase keys are
// silently ignored by a real master).
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';
import { NodalError } from '../config/errors.js';

/** Absolute path of the protos/ folder (the import root of the Mesos files: `import "mesos/v1/mesos.proto"`). */
export const PROTOS_DIR = fileURLToPath(new URL('../../protos/', import.meta.url));

/** The Mesos files, relative to PROTOS_DIR. */
export const MESOS_PROTO_FILES = [
  'mesos/v1/mesos.proto',
  'mesos/v1/scheduler/scheduler.proto',
  'mesos/v1/executor/executor.proto',
] as const;

let cached: protobuf.Root | undefined;

/** The resolved Mesos root (packages mesos.v1, mesos.v1.scheduler, mesos.v1.executor), loaded once per
 * process; throws NodalError('INTERNAL') if the .proto files are missing or do not parse. */
export function loadMesosRoot(): protobuf.Root {
  cached ??= createMesosRoot();
  return cached;
}

/** A freshly loaded, uncached root, for callers that must adjust the reflection before first use;
 * throws like loadMesosRoot(). */
export function createMesosRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // Imports are written Mesos-style, relative to the include root, not to the importing file.
  root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTOS_DIR, target));
  try {
    root.loadSync([...MESOS_PROTO_FILES], { keepCase: true });
    root.resolveAll();
  } catch (e) {
    throw new NodalError(
      'INTERNAL',
      `cannot load the Mesos protos from ${PROTOS_DIR}: ${(e as Error).message}`,
      undefined,
      {
        cause: e,
      },
    );
  }
  return root;
}
