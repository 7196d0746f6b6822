// FrameworkInfo capabilities, read the same way by the master and the agents.
import type { FrameworkInfo, FrameworkInfoCapabilityType } from '../protos/mesos/v1/types.js';

export const capabilitiesOf = (info: FrameworkInfo): Set<FrameworkInfoCapabilityType> =>
  new Set(
    (info.capabilities ?? [])
      .map((c) => c.type)
      .filter((t): t is FrameworkInfoCapabilityType => t !== undefined),
  );

export const hasCapability = (info: FrameworkInfo, cap: FrameworkInfoCapabilityType): boolean =>
  (info.capabilities ?? []).some((c) => c.type === cap);
