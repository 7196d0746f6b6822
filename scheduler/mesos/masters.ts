// Which master to talk to: the configured list, rotated on failure, overridden by the leader a 307 named.
import { NodalError } from '../../config/errors.js';

/** The scheduler endpoint path masters serve (`/master/api/v1/scheduler` also works). */
export const SCHEDULER_API_PATH = '/api/v1/scheduler';

/**
 * The scheduler endpoint URL of a configured master: `http://host:5050` gets SCHEDULER_API_PATH, a URL with a
 * path keeps it. Throws NodalError('CONFIG_INVALID') for anything but an http(s) URL (zk:// is resolved by a
 * detector before it gets here).
 */
export function schedulerEndpoint(master: string): URL {
  let url: URL;
  try {
    url = new URL(master);
  } catch {
    throw new NodalError('CONFIG_INVALID', `master '${master}' is not a URL (expected http(s)://host:port)`, {
      master,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodalError('CONFIG_INVALID', `master '${master}' must be an http(s) URL`, { master });
  }
  if (url.pathname === '' || url.pathname === '/') url.pathname = SCHEDULER_API_PATH;
  return url;
}

/** The master list with a remembered leader; `current()` is where the next SUBSCRIBE goes. */
export class MasterEndpoints {
  private readonly urls: readonly URL[];
  private index = 0;
  private leader: URL | undefined;

  /** Throws NodalError('CONFIG_INVALID') on an empty list or a bad URL. */
  constructor(masters: readonly string[]) {
    if (masters.length === 0)
      throw new NodalError('CONFIG_INVALID', 'at least one Mesos master URL is required');
    this.urls = masters.map(schedulerEndpoint);
  }

  /** The remembered leader, else the configured master in turn. */
  current(): URL {
    return new URL((this.leader ?? this.urls[this.index]!).href);
  }

  /** Remember `url` as the leader (it answered, or a 307 pointed at it). */
  setLeader(url: URL): void {
    this.leader = new URL(url.href);
  }

  /** The attempt at `current()` failed: forget the leader and move on to the next configured master. */
  failed(): void {
    if (this.leader !== undefined) {
      this.leader = undefined;
    }
    this.index = (this.index + 1) % this.urls.length;
  }
}
