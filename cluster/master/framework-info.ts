// FrameworkInfo rules of the master: roles vs MULTI_ROLE, capabilities, and what makes a SUBSCRIBE an
// ERROR event (as opposed to an HTTP 400, which call-validation.ts decides).
import type { FrameworkInfo } from '../../protos/mesos/v1/types.js';
import { hasCapability } from '../capabilities.js';

/** The roles the framework is subscribed with: `roles` with MULTI_ROLE, else the legacy `role` ("*"). */
export function rolesOf(info: FrameworkInfo): string[] {
  return hasCapability(info, 'MULTI_ROLE') ? [...(info.roles ?? [])] : [info.role ?? '*'];
}

function roleProblem(role: string): string | undefined {
  if (role === '*') return undefined;
  if (role.length === 0) return 'Role name must not be empty';
  if (role === '.' || role === '..') return `Role name '${role}' is invalid`;
  if (role.startsWith('-')) return `Role name '${role}' must not start with '-'`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f\\]/.test(role)) return `Role name '${role}' contains invalid characters`;
  if (role.split('/').some((p) => p === '' || p === '.' || p === '..' || p === '*'))
    return `Role name '${role}' has an invalid path component`;
  return undefined;
}

/** Why the master answers this SUBSCRIBE with an ERROR event, or undefined when it is acceptable. */
export function subscribeProblem(
  info: FrameworkInfo,
  suppressedRoles: readonly string[] | undefined,
): string | undefined {
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  if (!multiRole && (info.roles?.length ?? 0) > 0)
    return "'FrameworkInfo.roles' is set but the 'MULTI_ROLE' capability is not";
  if (multiRole && info.role !== undefined)
    return "'FrameworkInfo.role' must not be set together with the 'MULTI_ROLE' capability (use 'roles')";
  const roles = rolesOf(info);
  if (new Set(roles).size !== roles.length) return "'FrameworkInfo.roles' contains duplicate entries";
  for (const r of roles) {
    const p = roleProblem(r);
    if (p) return p;
  }
  const ft = info.failover_timeout;
  if (ft !== undefined && (!Number.isFinite(ft) || ft < 0))
    return `Invalid 'FrameworkInfo.failover_timeout': ${String(ft)}`;
  for (const r of suppressedRoles ?? [])
    if (!roles.includes(r)) return `Suppressed role '${r}' is not contained in the list of roles`;
  return undefined;
}

/** Failover timeout in ms (seconds in the proto, default 0: remove the framework at once on disconnect). */
export const failoverTimeoutMs = (info: FrameworkInfo): number =>
  Math.round((info.failover_timeout ?? 0) * 1000);
