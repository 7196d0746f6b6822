// The production IdSource: random task suffixes and job ids, and 256-bit job secrets.
import { randomBytes } from 'node:crypto';
import type { IdSource } from '../core/index.js';

/** Ids and secrets from the system's CSPRNG. */
export function randomIds(): IdSource {
  return {
    taskSuffix: () => randomBytes(4).toString('hex'),
    jobId: () => `job-${randomBytes(4).toString('hex')}`,
    jobSecret: () => randomBytes(32).toString('base64url'),
  };
}
