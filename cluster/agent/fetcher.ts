// The Mesos fetcher, locally: CommandInfo.uris land in the sandbox before the command starts. Local paths,
// file:// and http(s):// URIs are copied/downloaded; `executable` sets the mode; archives are extracted
// with tar/unzip when `extract` (default true) is on. A failure is a container launch failure.
import { execFile } from 'node:child_process';
import { chmod, copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { NodalError } from '../../config/errors.js';
import type { CommandInfo } from '../../protos/mesos/v1/types.js';

const run = promisify(execFile);
const DOWNLOAD_TIMEOUT_MS = 120_000;
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|zip)$/i;

type Uri = NonNullable<CommandInfo['uris']>[number];

async function fetchOne(uri: Uri, sandbox: string): Promise<void> {
  const value = uri.value;
  const isHttp = /^https?:\/\//i.test(value);
  const source = value.startsWith('file://') ? fileURLToPath(value) : value;
  const name = uri.output_file ?? path.basename(isHttp ? new URL(value).pathname : source);
  if (!name || name === '/' || name.includes('..'))
    throw new NodalError('VALIDATION', `Cannot derive a file name from URI '${value}'`);
  const target = path.join(sandbox, name);
  if (isHttp) {
    const res = await fetch(value, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!res.ok) throw new NodalError('UNAVAILABLE', `Download of '${value}' failed: HTTP ${res.status}`);
    await writeFile(target, Buffer.from(await res.arrayBuffer()));
  } else {
    await copyFile(path.resolve(source), target);
  }
  if (uri.executable) await chmod(target, 0o755);
  else if ((uri.extract ?? true) && ARCHIVE.test(name)) {
    if (/\.zip$/i.test(name)) await run('unzip', ['-o', '-q', target, '-d', sandbox]);
    else await run('tar', ['-xf', target, '-C', sandbox]);
  }
}

/** Fetches every URI of the command into `sandbox`; throws NodalError naming the URI that failed. */
export async function fetchUris(command: CommandInfo | undefined, sandbox: string): Promise<void> {
  for (const uri of command?.uris ?? []) {
    try {
      await fetchOne(uri, sandbox);
    } catch (e) {
      throw new NodalError(
        'UNAVAILABLE',
        `Failed to fetch '${uri.value}': ${(e as Error).message}`,
        { uri: uri.value },
        { cause: e },
      );
    }
  }
}
