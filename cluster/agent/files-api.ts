// The Mesos agent files API over the agent's sandboxes, for `nodal logs` and tests:
// `/files/read?path=&offset=&length=` → `{"data": "...", "offset": N}` (offset -1: just the file size),
// `/files/browse?path=` → directory entries, `/files/download?path=` → the raw file. Only paths inside
// the agent's own directory are served (symlinks resolved first).
import { createReadStream } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { respondJson, respondText } from '../http/respond.js';

/** Largest chunk one read returns (Mesos' default page size is comparable). */
const MAX_READ_BYTES = 1024 * 1024;

async function resolveInside(
  root: string,
  requested: string | null,
): Promise<string | { status: number; message: string }> {
  if (!requested) return { status: 400, message: "Expecting 'path=value' in query" };
  let real: string;
  let realRoot: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(path.resolve(requested));
  } catch {
    return { status: 404, message: 'No such file or directory' };
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep))
    return { status: 403, message: 'Path is outside the agent sandboxes' };
  return real;
}

function intParam(url: URL, name: string, fallback: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) ? n : undefined;
}

export async function handleFilesApi(
  root: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return respondText(res, 405, `Expecting a 'GET' request, received '${req.method}'`);
  const target = await resolveInside(root, url.searchParams.get('path'));
  if (typeof target !== 'string') return respondText(res, target.status, target.message);
  const info = await stat(target);
  const op = url.pathname
    .replace(/\.json$/, '')
    .split('/')
    .pop();
  if (op === 'browse') {
    if (!info.isDirectory()) return respondText(res, 400, 'Path is not a directory');
    const entries = await readdir(target);
    const out = [];
    for (const name of entries.sort()) {
      const p = path.join(target, name);
      const s = await stat(p).catch(() => undefined);
      if (s)
        out.push({
          path: p,
          nlink: s.nlink,
          size: s.size,
          mtime: Math.floor(s.mtimeMs / 1000),
          mode: (s.isDirectory() ? 'd' : '-') + (s.mode & 0o777).toString(8),
          uid: String(s.uid),
          gid: String(s.gid),
        });
    }
    return respondJson(res, 200, out);
  }
  if (!info.isFile()) return respondText(res, 400, 'Path is not a file');
  if (op === 'download') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': info.size });
    createReadStream(target).pipe(res);
    return;
  }
  const offset = intParam(url, 'offset', -1);
  const length = intParam(url, 'length', MAX_READ_BYTES);
  if (offset === undefined || offset < -1) return respondText(res, 400, "Failed to parse 'offset'");
  if (length === undefined || length < -1) return respondText(res, 400, "Failed to parse 'length'");
  if (offset === -1) return respondJson(res, 200, { data: '', offset: info.size });
  const start = Math.min(offset, info.size);
  const want = Math.min(length === -1 ? MAX_READ_BYTES : length, MAX_READ_BYTES, info.size - start);
  const buf = Buffer.alloc(Math.max(0, want));
  if (want > 0) {
    const fh = await open(target, 'r');
    try {
      await fh.read(buf, 0, want, start);
    } finally {
      await fh.close();
    }
  }
  respondJson(res, 200, { data: buf.toString('utf8'), offset: start });
}
