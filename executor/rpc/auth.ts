// The per-job secret on every training call: `authorization: Bearer <secret>` metadata, compared in
// constant time (both sides hashed first, so neither the length nor a prefix of the secret leaks).
import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { NodalError } from '../../config/errors.js';

export const AUTHORIZATION_KEY = 'authorization';

/** Metadata carrying the job secret. Throws VALIDATION for an empty secret. */
export function bearerMetadata(secret: string): grpc.Metadata {
  if (!secret) throw new NodalError('VALIDATION', 'the job secret is empty');
  const md = new grpc.Metadata();
  md.set(AUTHORIZATION_KEY, `Bearer ${secret}`);
  return md;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** A checker for `secret`: true only when the metadata carries exactly `Bearer <secret>`. */
export function bearerChecker(secret: string): (md: grpc.Metadata) => boolean {
  if (!secret) throw new NodalError('VALIDATION', 'the job secret is empty');
  const expected = digest(`Bearer ${secret}`);
  return (md) => {
    const values = md.get(AUTHORIZATION_KEY);
    if (values.length !== 1 || typeof values[0] !== 'string') return false;
    return timingSafeEqual(digest(values[0]), expected);
  };
}
