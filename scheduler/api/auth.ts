// Bearer-token check in constant time: both sides are hashed first so neither the comparison nor an early
// length mismatch reveals anything about the token.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** True when `header` is `Bearer <token>` for the configured token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!token) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const presented = m?.[1]?.trim() ?? '';
  // Compare even when absent so timing does not tell "no header" from "wrong token".
  const ok = timingSafeEqual(digest(presented), digest(token));
  return ok && presented.length > 0;
}
