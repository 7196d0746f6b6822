// What Mesos masters write into ZooKeeper and how to read the leader from it. Each master contends with an
// ephemeral sequential znode `json.info_<seq>` whose data is its MasterInfo as JSON; the lowest sequence
// leads. (Masters before 0.24 wrote binary `info_<seq>` nodes only; those are not read.) Pure functions.
import { NodalError } from '../../config/errors.js';

/** The name prefix of a master's contender znode. */
export const MASTER_INFO_PREFIX = 'json.info_';

const MASTER_NODE = /^json\.info_(\d+)$/;

/** The child name of the leading master (lowest sequence), or undefined when no master contends. */
export function leaderNodeName(children: readonly string[]): string | undefined {
  let best: { name: string; seq: number } | undefined;
  for (const name of children) {
    const match = MASTER_NODE.exec(name);
    if (!match) continue;
    const seq = Number(match[1]);
    if (best === undefined || seq < best.seq) best = { name, seq };
  }
  return best?.name;
}

/**
 * `MasterInfo.ip`: the IPv4 address in network byte order, stored in a host-order (little-endian) uint32:
 * 10.0.0.5 is 83886090. Throws NodalError('WIRE_DECODE') when `ip` is not a uint32.
 */
export function ipv4FromMasterInfoIp(ip: number): string {
  if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff) {
    throw new NodalError('WIRE_DECODE', 'MasterInfo.ip is not a uint32', { ip });
  }
  return [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, ip >>> 24].join('.');
}

/**
 * The base URL (`http://host:port`) of the master a MasterInfo JSON text describes. Prefers `address`
 * (hostname, else ip, and its port), then the legacy `hostname`, else `ip` and `port`, as Mesos' own
 * redirects do. Throws NodalError('WIRE_DECODE') on text that is not such a MasterInfo.
 */
export function masterUrlFromInfo(text: string, scheme: 'http' | 'https' = 'http'): string {
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch (e) {
    throw new NodalError(
      'WIRE_DECODE',
      'master info znode is not JSON',
      { bytes: text.length },
      { cause: e },
    );
  }
  if (!isRecord(info)) throw new NodalError('WIRE_DECODE', 'master info is not a JSON object');
  const address = isRecord(info.address) ? info.address : {};
  const host =
    nonEmptyString(address.hostname) ??
    nonEmptyString(address.ip) ??
    nonEmptyString(info.hostname) ??
    (typeof info.ip === 'number' ? ipv4FromMasterInfoIp(info.ip) : undefined);
  const port = validPort(address.port) ?? validPort(info.port);
  if (host === undefined || port === undefined) {
    throw new NodalError('WIRE_DECODE', 'master info has no usable address', {
      id: typeof info.id === 'string' ? info.id : undefined,
    });
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${hostPart}:${port}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function validPort(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 65535 ? v : undefined;
}
