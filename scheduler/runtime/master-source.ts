// Where the Mesos masters are: a fixed list of URLs (the client follows 307 leader redirects itself), or
// `zk://…/mesos`, where a detector follows the leading master and each change starts a new subscription.
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';
import { createMasterDetector, type MasterDetector } from '../ha/master-detector.js';

export interface MasterSource {
  /**
   * Calls `onMasters` with the URLs to subscribe to, now or once known, and again on every change ([]:
   * none); `onFailed` when the masters can no longer be found at all.
   */
  start(onMasters: (masters: readonly string[]) => void, onFailed: (error: unknown) => void): void;
  stop(): Promise<void>;
}

/** A fixed list of master URLs. */
export class StaticMasters implements MasterSource {
  constructor(private readonly masters: readonly string[]) {}
  start(onMasters: (masters: readonly string[]) => void): void {
    onMasters(this.masters);
  }

  async stop(): Promise<void> {}
}

/** The leading master as ZooKeeper says. */
export class DetectedMasters implements MasterSource {
  private readonly detector: MasterDetector;
  private onMasters: ((masters: readonly string[]) => void) | undefined;

  /** Parses the URL now (throws NodalError CONFIG_INVALID). */
  constructor(
    url: string,
    private readonly logger: Logger,
    sessionTimeoutMs?: number,
  ) {
    this.detector = createMasterDetector({
      url,
      logger,
      ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}),
      onChange: (leader) => this.onMasters?.(leader ? [leader] : []),
    });
  }

  start(onMasters: (masters: readonly string[]) => void, onFailed: (error: unknown) => void): void {
    this.onMasters = onMasters;
    this.detector.run().catch((e: unknown) => {
      // ZooKeeper unreachable at start, or not allowed to read: no master can ever be found this way.
      if (!this.onMasters) return;
      this.logger.error('master detection stopped', { error: e });
      onMasters([]);
      onFailed(e);
    });
  }

  async stop(): Promise<void> {
    this.onMasters = undefined;
    await this.detector.shutdown();
  }
}

/** The source for `mesos.master`: one `zk://` entry means detection, anything else a URL list. */
export function masterSourceFor(
  masters: readonly string[],
  logger: Logger,
  zkSessionTimeoutMs?: number,
): MasterSource {
  const zk = masters.filter((m) => m.startsWith('zk://'));
  if (zk.length === 0) return new StaticMasters(masters);
  if (masters.length > 1)
    throw new NodalError('CONFIG_INVALID', 'mesos.master: a zk:// URL must be the only entry', { masters });
  return new DetectedMasters(zk[0]!, logger, zkSessionTimeoutMs);
}
