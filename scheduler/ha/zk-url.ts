// `zk://[user:password@]host:port[,host:port…]/path` — how Mesos names its ZooKeeper ensemble and the
// znode its masters contend under. Pure parsing: the credentials are kept apart so that nothing that prints
// a parsed URL (logs, errors) can leak them.
import { NodalError } from '../../config/errors.js';

/** ZooKeeper's default client port, used when a host names none. */
export const DEFAULT_ZK_PORT = 2181;

/** Digest credentials (`user:password`), as ZooKeeper's `addauth digest` takes them. Never log this. */
export interface ZkDigestAuth {
  readonly scheme: 'digest';
  /** `user:password`, percent-decoded. */
  readonly credentials: string;
}

export interface ZkHost {
  readonly host: string;
  readonly port: number;
}

/** A parsed zk:// URL. */
export interface ZkUrl {
  readonly hosts: readonly ZkHost[];
  /** `host:port,host:port` as a ZooKeeper client takes it (IPv6 hosts in brackets). */
  readonly connectString: string;
  /** The absolute znode path, without a trailing slash (`/mesos`). */
  readonly path: string;
  readonly auth?: ZkDigestAuth;
  /** The URL with the password replaced by `***`: the only form that may be logged. */
  readonly redacted: string;
}

const ZK_SCHEME = 'zk://';
// ZooKeeper forbids these in path segments; the rest of its rules (no `.`/`..` segments) are checked below.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_PATH_CHARS = /[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/;

const invalid = (message: string, details: Record<string, unknown>): NodalError =>
  new NodalError('CONFIG_INVALID', message, details);

/**
 * Parses `zk://[user:password@]host[:port][,host[:port]…]/path`. A host without a port gets 2181; IPv6
 * hosts are written in brackets. Throws NodalError('CONFIG_INVALID') with a message that never contains
 * the password.
 */
export function parseZkUrl(input: string): ZkUrl {
  if (!input.toLowerCase().startsWith(ZK_SCHEME)) {
    throw invalid('ZooKeeper URL must start with zk://', { url: redactZkUrl(input) });
  }
  const rest = input.slice(ZK_SCHEME.length);
  // As in any URL the authority ends at the first '/': a password containing '/' must be percent-encoded.
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const rawPath = slash < 0 ? '' : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  const userInfo = at < 0 ? undefined : authority.slice(0, at);
  const hostList = at < 0 ? authority : authority.slice(at + 1);
  const redacted = redactZkUrl(input);

  const auth = userInfo === undefined ? undefined : parseUserInfo(userInfo, redacted);
  if (hostList === '') throw invalid('ZooKeeper URL names no host', { url: redacted });
  const hosts = hostList.split(',').map((h) => parseHost(h, redacted));
  const path = normalisePath(rawPath, redacted);
  const connectString = hosts.map(formatHost).join(',');
  return auth ? { hosts, connectString, path, auth, redacted } : { hosts, connectString, path, redacted };
}

/** `input` with any password in its user info replaced by `***` (works on malformed input too). */
export function redactZkUrl(input: string): string {
  const schemeEnd = input.indexOf('://');
  const start = schemeEnd < 0 ? 0 : schemeEnd + 3;
  const slash = input.indexOf('/', start);
  const at = input.lastIndexOf('@', slash < 0 ? input.length : slash);
  if (at < start) return input;
  const userInfo = input.slice(start, at);
  const colon = userInfo.indexOf(':');
  const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
  return `${input.slice(0, start)}${user}:***${input.slice(at)}`;
}

function parseUserInfo(userInfo: string, redacted: string): ZkDigestAuth {
  const colon = userInfo.indexOf(':');
  if (colon <= 0 || colon === userInfo.length - 1) {
    throw invalid('ZooKeeper URL credentials must be user:password', { url: redacted });
  }
  try {
    const user = decodeURIComponent(userInfo.slice(0, colon));
    const password = decodeURIComponent(userInfo.slice(colon + 1));
    return { scheme: 'digest', credentials: `${user}:${password}` };
  } catch {
    throw invalid('ZooKeeper URL credentials are not valid percent-encoding', { url: redacted });
  }
}

function parseHost(text: string, redacted: string): ZkHost {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([A-Za-z0-9._-]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) throw invalid('ZooKeeper URL has a malformed host', { url: redacted, host: text });
  const port = match[2] === undefined ? DEFAULT_ZK_PORT : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid('ZooKeeper URL has a port out of range', { url: redacted, host: text });
  }
  return { host: match[1]!, port };
}

function formatHost({ host, port }: ZkHost): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function normalisePath(raw: string, redacted: string): string {
  const path = raw.replace(/\/+$/, '');
  if (path === '')
    throw invalid('ZooKeeper URL needs a znode path (zk://host:port/mesos)', { url: redacted });
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..') || FORBIDDEN_PATH_CHARS.test(path)) {
    throw invalid('ZooKeeper URL has an invalid znode path', { url: redacted, path });
  }
  return path;
}
