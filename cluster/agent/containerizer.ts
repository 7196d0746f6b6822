// The local containerizer: each container is one child process in its own process group (so killing
// `-pid` also kills whatever it forked), with stdout/stderr appended to files in its sandbox. It remembers
// every group it started so the agent can always clean up, even from a synchronous exit hook.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { NodalError } from '../../config/errors.js';
import type { Logger } from '../../config/logger.js';

export interface ProcessSpec {
  file: string;
  args: string[];
  /** argv[0] as the program sees it (CommandInfo.arguments[0] with shell: false). */
  argv0?: string;
  cwd: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The raw waitpid() status, as Mesos reports it in FAILURE events (exit code 1 → 256). */
  waitStatus: number;
}

export interface ContainerProcess {
  readonly pid: number;
  /** Resolves once the process has exited (and the rest of its group has been killed). */
  readonly exited: Promise<Exit>;
  readonly hasExited: boolean;
  /** Signals the whole process group; a no-op once it is gone. */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM now, SIGKILL after `graceMs` if still running; resolves on exit. */
  stop(graceMs: number): Promise<Exit>;
}

/** waitpid()-style status of an exit (code << 8) or a death by signal (the signal number). */
export function waitStatusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return constants.signals[signal] ?? 0;
  return ((code ?? 0) & 0xff) << 8;
}

/** Mesos' wording: "exited with status 1" / "terminated with signal SIGKILL". */
export function describeExit(e: Exit): string {
  return e.signal ? `terminated with signal ${e.signal}` : `exited with status ${e.code ?? 0}`;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export class Containerizer {
  private readonly live = new Map<number, ContainerProcess>();

  constructor(private readonly log: Logger) {}

  /** Starts a process; throws NodalError UNAVAILABLE when it cannot be started (e.g. ENOENT). */
  async spawn(spec: ProcessSpec): Promise<ContainerProcess> {
    const out = openSync(spec.stdoutPath, 'a');
    const err = openSync(spec.stderrPath, 'a');
    let child;
    try {
      child = spawn(spec.file, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        argv0: spec.argv0,
        detached: true,
        stdio: ['ignore', out, err],
      });
      await new Promise<void>((resolve, reject) => {
        child!.once('spawn', resolve);
        child!.once('error', reject);
      });
    } catch (e) {
      throw new NodalError(
        'UNAVAILABLE',
        `Failed to start '${spec.file}': ${(e as Error).message}`,
        { file: spec.file },
        { cause: e },
      );
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const pid = child.pid!;
    let exitedFlag = false;
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => {
        exitedFlag = true;
        killGroup(pid, 'SIGKILL'); // the container ends with its main process, as a cgroup would
        this.live.delete(pid);
        resolve({ code, signal, waitStatus: waitStatusOf(code, signal) });
      });
    });
    const proc: ContainerProcess = {
      pid,
      exited,
      get hasExited() {
        return exitedFlag;
      },
      signal: (sig) => {
        if (!exitedFlag) killGroup(pid, sig);
      },
      stop: (graceMs) => {
        if (!exitedFlag) {
          killGroup(pid, 'SIGTERM');
          const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
          void exited.then(() => clearTimeout(timer));
        }
        return exited;
      },
    };
    this.live.set(pid, proc);
    this.log.debug('process started', { pid, file: spec.file, cwd: spec.cwd });
    return proc;
  }

  /** SIGKILLs every live group and waits for them to be reaped. */
  async destroyAll(): Promise<void> {
    const all = [...this.live.values()];
    for (const p of all) p.signal('SIGKILL');
    await Promise.all(all.map((p) => p.exited));
  }

  /** Synchronous last resort for a process exit hook: SIGKILL every live group. */
  killAllSync(): void {
    for (const pid of this.live.keys()) killGroup(pid, 'SIGKILL');
  }
}
