// The lease book, pure: which positions of each epoch's permutation are done, which are leased to whom
// until when, and what to hand out next. A lease is a range of at most `leaseSize` positions; workers
// report how far into it they are, so when a worker dies (its lease expires, or is given back at once when
// the scheduler says its task ended) or is killed (it releases the lease) only the part it has not trained
// on goes back to the pool. Every position of an epoch is counted exactly once: a range becomes `completed`
// only through its one live lease, and a late completion of a lease whose range was meanwhile handed to
// someone else is rejected.
//
// Epochs: positions of epoch e+1 are handed out once every position of epoch e is done or leased, so
// workers never idle at an epoch boundary; at most two epochs are open at a time.
import { NodalError } from '../../config/errors.js';

/** [start, end) positions of an epoch's permutation. */
export type Interval = readonly [number, number];

export interface LeaseBookConfig {
  /** Examples in the training split. */
  datasetSize: number;
  /** Positions per lease. */
  leaseSize: number;
  /** Epochs to run. */
  epochs: number;
  /** Stop handing out leases once the global step reaches this (undefined: epochs only). */
  maxSteps?: number;
  /** How long a lease lives without a report. */
  leaseTimeoutMs: number;
}

export interface Lease {
  id: number;
  worker: string;
  epoch: number;
  /** Positions [origin, end) as handed to the worker (the worker's coordinates). */
  origin: number;
  end: number;
  /** First position not yet counted: origin, or beyond it when the lease expired and was revived. */
  start: number;
  /** Positions from `origin` already trained on (reported by the worker). */
  processed: number;
  expiresAtMs: number;
}

interface OpenEpoch {
  epoch: number;
  /** Sorted, disjoint, merged. */
  completed: Interval[];
}

export interface LeaseBookState {
  config: LeaseBookConfig;
  nextLeaseId: number;
  /** Next epoch to open. */
  nextEpoch: number;
  completedEpochs: number;
  open: OpenEpoch[];
  leases: Lease[];
  /** Recently expired leases, so a late report or completion can be judged (bounded). */
  expired: Lease[];
  examplesDone: number;
}

/** Positions newly counted as done by a transition. */
export interface Counted {
  epoch: number;
  start: number;
  end: number;
}

export type LeaseGrant =
  { kind: 'granted'; lease: Lease } | { kind: 'wait'; retryAfterMs: number } | { kind: 'done' };

const MAX_OPEN_EPOCHS = 2;
const EXPIRED_MEMORY = 1024;
const MAX_WAIT_MS = 1_000;
const MIN_WAIT_MS = 20;

/** Throws VALIDATION for an unusable config. */
export function validateLeaseBookConfig(c: LeaseBookConfig): void {
  const posInt = (v: number, what: string): void => {
    if (!Number.isInteger(v) || v < 1)
      throw new NodalError('VALIDATION', `${what} must be a positive integer, got ${v}`);
  };
  posInt(c.datasetSize, 'datasetSize');
  posInt(c.leaseSize, 'leaseSize');
  posInt(c.epochs, 'epochs');
  if (c.maxSteps !== undefined) posInt(c.maxSteps, 'maxSteps');
  if (!(c.leaseTimeoutMs > 0)) throw new NodalError('VALIDATION', 'leaseTimeoutMs must be > 0');
}

/** An empty book at epoch 0. */
export function createLeaseBook(config: LeaseBookConfig): LeaseBookState {
  validateLeaseBookConfig(config);
  return {
    config,
    nextLeaseId: 1,
    nextEpoch: 0,
    completedEpochs: 0,
    open: [],
    leases: [],
    expired: [],
    examplesDone: 0,
  };
}

function insertInterval(list: readonly Interval[], iv: Interval): Interval[] {
  const [s, e] = iv;
  if (s >= e) return [...list];
  const out: Interval[] = [];
  let cur: [number, number] = [s, e];
  let placed = false;
  for (const [a, b] of list) {
    if (b < cur[0]) out.push([a, b]);
    else if (a > cur[1]) {
      if (!placed) {
        out.push(cur);
        placed = true;
      }
      out.push([a, b]);
    } else {
      // Touching is a merge; overlapping would count a position twice.
      if (a < cur[1] && b > cur[0]) throw new NodalError('INTERNAL', `positions [${s},${e}) counted twice`);
      cur = [Math.min(a, cur[0]), Math.max(b, cur[1])];
    }
  }
  if (!placed) out.push(cur);
  return out;
}

const covered = (list: readonly Interval[]): number => list.reduce((n, [a, b]) => n + b - a, 0);

/** Marks [start, end) of `epoch` done; closes the epoch when it is whole. */
function count(
  state: LeaseBookState,
  epoch: number,
  start: number,
  end: number,
  counted: Counted[],
): LeaseBookState {
  if (start >= end) return state;
  const open = state.open.map((o) =>
    o.epoch === epoch ? { epoch, completed: insertInterval(o.completed, [start, end]) } : o,
  );
  counted.push({ epoch, start, end });
  let completedEpochs = state.completedEpochs;
  const stillOpen = open.filter((o) => {
    const whole = covered(o.completed) === state.config.datasetSize;
    if (whole) completedEpochs++;
    return !whole;
  });
  return { ...state, open: stillOpen, completedEpochs, examplesDone: state.examplesDone + (end - start) };
}

/** Is every position of [s, e) in `epoch` neither done nor leased? */
function isFree(state: LeaseBookState, epoch: number, s: number, e: number): boolean {
  const o = state.open.find((x) => x.epoch === epoch);
  if (!o) return false;
  if (o.completed.some(([a, b]) => a < e && b > s)) return false;
  return !state.leases.some((l) => l.epoch === epoch && l.start < e && l.end > s);
}

function rememberExpired(expired: readonly Lease[], more: readonly Lease[]): Lease[] {
  const all = [...expired, ...more];
  return all.length > EXPIRED_MEMORY ? all.slice(all.length - EXPIRED_MEMORY) : all;
}

/** Ends a lease: its processed prefix is counted, the rest returns to the pool. */
function endLease(state: LeaseBookState, lease: Lease, counted: Counted[]): LeaseBookState {
  const rest = { ...state, leases: state.leases.filter((l) => l.id !== lease.id) };
  return count(rest, lease.epoch, lease.start, lease.origin + lease.processed, counted);
}

/**
 * Gives leases back — the one path for an expiry, a worker's own release and the end of its task: each
 * lease's processed prefix is counted, the rest returns to the pool for the next worker that asks.
 * `revivable` (expiry): the lease is remembered without its counted prefix, so a slow holder's late report
 * or completion can take back what nobody else took. Otherwise it is forgotten: any later call naming it
 * (a report, a completion, a push in flight) finds nothing.
 */
function giveBack(
  state: LeaseBookState,
  leases: readonly Lease[],
  revivable: boolean,
  counted: Counted[],
): LeaseBookState {
  let s = state;
  for (const l of leases) s = endLease(s, l, counted);
  if (!revivable || leases.length === 0) return s;
  // Remembered with the counted prefix cut off, so a revival never counts it twice.
  const remembered = leases.map((l) => ({ ...l, start: Math.max(l.start, l.origin + l.processed) }));
  return { ...s, expired: rememberExpired(s.expired, remembered) };
}

/** Expires leases whose time is up (their processed prefixes count; the rest is free again). */
export function expireLeases(
  state: LeaseBookState,
  nowMs: number,
): { state: LeaseBookState; expired: Lease[]; counted: Counted[] } {
  const due = state.leases.filter((l) => l.expiresAtMs <= nowMs);
  if (due.length === 0) return { state, expired: [], counted: [] };
  const counted: Counted[] = [];
  return { state: giveBack(state, due, true, counted), expired: due, counted };
}

/**
 * The tasks of `workers` ended (the scheduler saw them fail, get killed or lost, or gave up on them): every
 * lease they hold is given back now, as if it had just expired — its processed prefix counted, the rest free
 * for the next worker — instead of after `leaseTimeoutMs`. Unlike an expired lease it cannot be revived, and
 * expired leases of theirs still remembered are forgotten too: a push still in flight from a dead worker, or
 * a late report of one that was only unreachable, names a lease the book no longer knows, so it applies
 * nothing (that worker drops the lease and asks for a new one). Ids holding nothing are ignored.
 */
export function endWorkers(
  state: LeaseBookState,
  workers: readonly string[],
  nowMs: number,
): { state: LeaseBookState; released: Lease[]; counted: Counted[] } {
  const exp = expireLeases(state, nowMs);
  const ended = new Set(workers);
  const held = exp.state.leases.filter((l) => ended.has(l.worker));
  const counted = [...exp.counted];
  let s = giveBack(exp.state, held, false, counted);
  const expired = s.expired.filter((l) => !ended.has(l.worker));
  if (expired.length !== s.expired.length) s = { ...s, expired };
  return { state: s, released: held, counted };
}

/** True when the job has run its epochs or reached maxSteps. */
export function isDone(state: LeaseBookState, globalStep: number): boolean {
  const c = state.config;
  if (c.maxSteps !== undefined && globalStep >= c.maxSteps) return true;
  return state.completedEpochs >= c.epochs;
}

function firstFreeRange(state: LeaseBookState, o: OpenEpoch): Interval | null {
  const n = state.config.datasetSize;
  const busy = [
    ...o.completed,
    ...state.leases.filter((l) => l.epoch === o.epoch).map((l) => [l.start, l.end] as Interval),
  ]
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let pos = 0;
  for (const [a, b] of busy) {
    if (a > pos) return [pos, Math.min(a, pos + state.config.leaseSize)];
    pos = Math.max(pos, b);
  }
  return pos < n ? [pos, Math.min(n, pos + state.config.leaseSize)] : null;
}

/**
 * Hands `worker` the next free range: the lowest open epoch first, opening the next epoch when the open
 * ones have nothing free. `wait` when everything left is leased, `done` when the job is over.
 */
export function leaseNext(
  state: LeaseBookState,
  worker: string,
  nowMs: number,
  globalStep: number,
): { state: LeaseBookState; grant: LeaseGrant; counted: Counted[] } {
  const exp = expireLeases(state, nowMs);
  let s = exp.state;
  if (isDone(s, globalStep)) return { state: s, grant: { kind: 'done' }, counted: exp.counted };
  for (;;) {
    for (const o of s.open) {
      const r = firstFreeRange(s, o);
      if (!r) continue;
      const lease: Lease = {
        id: s.nextLeaseId,
        worker,
        epoch: o.epoch,
        origin: r[0],
        start: r[0],
        end: r[1],
        processed: 0,
        expiresAtMs: nowMs + s.config.leaseTimeoutMs,
      };
      s = { ...s, nextLeaseId: s.nextLeaseId + 1, leases: [...s.leases, lease] };
      return { state: s, grant: { kind: 'granted', lease }, counted: exp.counted };
    }
    if (s.open.length >= MAX_OPEN_EPOCHS || s.nextEpoch >= s.config.epochs) break;
    s = { ...s, open: [...s.open, { epoch: s.nextEpoch, completed: [] }], nextEpoch: s.nextEpoch + 1 };
  }
  const soonest = Math.min(...s.leases.map((l) => l.expiresAtMs), nowMs + MAX_WAIT_MS);
  const retryAfterMs = Math.max(MIN_WAIT_MS, Math.min(MAX_WAIT_MS, soonest - nowMs));
  return { state: s, grant: { kind: 'wait', retryAfterMs }, counted: exp.counted };
}

/**
 * A live lease of `worker` by id, reviving one that expired while its remaining range is still free
 * (nobody else got it), so a slow worker loses nothing when no one took over. Null when superseded.
 */
function liveLease(
  state: LeaseBookState,
  worker: string,
  leaseId: number,
): { state: LeaseBookState; lease: Lease } | null {
  const lease = state.leases.find((l) => l.id === leaseId && l.worker === worker);
  if (lease) return { state, lease };
  const old = state.expired.find((l) => l.id === leaseId && l.worker === worker);
  if (!old || !isFree(state, old.epoch, old.start, old.end)) return null;
  return {
    state: { ...state, leases: [...state.leases, old], expired: state.expired.filter((l) => l !== old) },
    lease: old,
  };
}

/**
 * Records that `worker` trained on the first `processed` positions of its lease and extends it. `valid`
 * false when the lease is gone (expired and handed to another worker, or unknown to a book restored from
 * a checkpoint older than the lease): stop working on it. `processed` is then the lease's recorded count.
 */
export function reportLease(
  state: LeaseBookState,
  worker: string,
  leaseId: number,
  processed: number,
  nowMs: number,
): { state: LeaseBookState; valid: boolean; expiresAtMs: number; processed: number; counted: Counted[] } {
  const exp = expireLeases(state, nowMs);
  const live = liveLease(exp.state, worker, leaseId);
  if (!live) return { state: exp.state, valid: false, expiresAtMs: 0, processed: 0, counted: exp.counted };
  const l = live.lease;
  const p = Math.max(l.processed, Math.min(l.end - l.origin, Math.floor(processed)));
  const updated: Lease = {
    ...l,
    processed: Number.isFinite(p) ? p : l.processed,
    expiresAtMs: nowMs + state.config.leaseTimeoutMs,
  };
  const leases = live.state.leases.map((x) => (x.id === l.id ? updated : x));
  return {
    state: { ...live.state, leases },
    valid: true,
    expiresAtMs: updated.expiresAtMs,
    processed: updated.processed,
    counted: exp.counted,
  };
}

/** Counts a whole lease as done. Rejected (with a reason) when the lease is unknown or was superseded. */
export function completeLease(
  state: LeaseBookState,
  worker: string,
  leaseId: number,
  nowMs: number,
): { state: LeaseBookState; accepted: boolean; reason: string; counted: Counted[] } {
  const exp = expireLeases(state, nowMs);
  const live = liveLease(exp.state, worker, leaseId);
  if (!live) {
    return {
      state: exp.state,
      accepted: false,
      reason: `lease ${leaseId} of ${worker} expired and was reassigned, or is unknown`,
      counted: exp.counted,
    };
  }
  const counted = [...exp.counted];
  const done = { ...live.lease, processed: live.lease.end - live.lease.origin };
  const s = endLease(
    { ...live.state, leases: live.state.leases.map((l) => (l.id === done.id ? done : l)) },
    done,
    counted,
  );
  return { state: s, accepted: true, reason: '', counted };
}

/**
 * Gives leases back: one lease (with `processed` positions of it done, if given) or, without `leaseId`,
 * every lease `worker` holds (each with its last reported progress). Unknown leases are ignored.
 */
export function releaseLeases(
  state: LeaseBookState,
  worker: string,
  leaseId: number | undefined,
  processed: number | undefined,
  nowMs: number,
): { state: LeaseBookState; released: number; counted: Counted[] } {
  const exp = expireLeases(state, nowMs);
  let s = exp.state;
  const counted = [...exp.counted];
  const mine = s.leases
    .filter((l) => l.worker === worker && (leaseId === undefined || l.id === leaseId))
    .map((l) => {
      const p =
        processed === undefined
          ? l.processed
          : Math.max(l.processed, Math.min(l.end - l.origin, Math.floor(processed)));
      return { ...l, processed: Number.isFinite(p) ? p : l.processed };
    });
  s = giveBack(s, mine, false, counted);
  return { state: s, released: mine.length, counted };
}

export interface LeaseProgress {
  /** Lowest epoch not yet done (== epochs at the end). */
  epoch: number;
  epochs: number;
  completedEpochs: number;
  examplesDone: number;
  examplesPerEpoch: number;
  outstandingLeases: number;
  workers: number;
  /** Share of the job done, 0..1 (by examples, or by steps when maxSteps is nearer). */
  fraction: number;
  done: boolean;
}

export function leaseProgress(state: LeaseBookState, globalStep: number): LeaseProgress {
  const c = state.config;
  const total = c.epochs * c.datasetSize;
  let fraction = Math.min(1, state.examplesDone / total);
  if (c.maxSteps !== undefined) fraction = Math.max(fraction, Math.min(1, globalStep / c.maxSteps));
  const done = isDone(state, globalStep);
  return {
    epoch: state.open.length ? Math.min(...state.open.map((o) => o.epoch)) : state.nextEpoch,
    epochs: c.epochs,
    completedEpochs: state.completedEpochs,
    examplesDone: state.examplesDone,
    examplesPerEpoch: c.datasetSize,
    outstandingLeases: state.leases.length,
    workers: new Set(state.leases.map((l) => l.worker)).size,
    fraction: done ? 1 : fraction,
    done,
  };
}

/** What a checkpoint keeps: done positions per open epoch (processed parts of live leases included). */
export interface LeaseBookSnapshot {
  nextLeaseId: number;
  nextEpoch: number;
  completedEpochs: number;
  examplesDone: number;
  open: Array<{ epoch: number; completed: Array<[number, number]> }>;
}

/** The book as JSON for a checkpoint. Live leases are not kept: their unprocessed parts return on restore. */
export function snapshotLeaseBook(state: LeaseBookState): LeaseBookSnapshot {
  let s = state;
  const counted: Counted[] = [];
  for (const l of state.leases) s = endLease(s, l, counted);
  return {
    nextLeaseId: s.nextLeaseId,
    nextEpoch: s.nextEpoch,
    completedEpochs: s.completedEpochs,
    examplesDone: s.examplesDone,
    open: s.open.map((o) => ({
      epoch: o.epoch,
      completed: o.completed.map(([a, b]) => [a, b] as [number, number]),
    })),
  };
}

/**
 * Lease ids a restored book skips. Leases granted after the snapshot are forgotten, but their workers may
 * still call with their ids (a late report, a retried push): the restored book must not hand those ids out
 * again, or such a call would land on a new lease of the same worker. It cannot know how many were granted,
 * so it skips more than any checkpoint interval can grant.
 */
export const RESTORED_LEASE_ID_GAP = 1 << 20;

/**
 * A book restored from a snapshot under `config` (no live leases: their unprocessed parts are free, their
 * ids never reused); throws DATA_INVALID when the snapshot does not fit.
 */
export function restoreLeaseBook(config: LeaseBookConfig, snap: LeaseBookSnapshot): LeaseBookState {
  const base = createLeaseBook(config);
  const bad = (why: string): never => {
    throw new NodalError('DATA_INVALID', `coordinator state in checkpoint: ${why}`);
  };
  if (!snap || !Array.isArray(snap.open)) bad('missing');
  for (const k of ['nextLeaseId', 'nextEpoch', 'completedEpochs', 'examplesDone'] as const) {
    if (!Number.isInteger(snap[k]) || snap[k] < 0) bad(`${k} is not a count`);
  }
  let open: OpenEpoch[] = [];
  for (const o of snap.open) {
    let completed: Interval[] = [];
    for (const iv of o.completed) {
      if (!Array.isArray(iv) || !(iv[0] >= 0 && iv[1] > iv[0] && iv[1] <= config.datasetSize)) {
        bad(`epoch ${o.epoch} has interval ${JSON.stringify(iv)} outside the dataset (size changed?)`);
      }
      completed = insertInterval(completed, [iv[0], iv[1]]);
    }
    open = [...open, { epoch: o.epoch, completed }];
  }
  return {
    ...base,
    nextLeaseId: Math.max(1, snap.nextLeaseId) + RESTORED_LEASE_ID_GAP,
    nextEpoch: snap.nextEpoch,
    completedEpochs: snap.completedEpochs,
    examplesDone: snap.examplesDone,
    open,
  };
}
