// A real ZooKeeper server for integration tests: Debian's `zookeeper` package started in the foreground on
// loopback, on a free port, with its data in a temporary directory, JMX and the admin server off and a short
// tickTime so that session timeouts of a second or two are allowed. `kill9()` + `start()` restart it on the
// same port and data (sessions survive if it comes back within their timeout); `stop()` ends it for good.
// A process 'exit' hook kills any server a failed test left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Where Debian's package puts the start script; override with ZOOKEEPER_SERVER_SH. */
export const ZK_SERVER_SH = process.env.ZOOKEEPER_SERVER_SH ?? '/usr/share/zookeeper/bin/zkServer.sh';
const HOST = '127.0.0.1';
const OUTPUT_TAIL_CHARS = 4_000;

export interface ZookeeperServerOptions {
  /** The server's tick; sessions may last 2 to 20 ticks. Default 100 ms (sessions of 0.2 s to 2 s). */
  readonly tickTimeMs?: number;
  /** Upper bound on session timeouts. Default 20 ticks. */
  readonly maxSessionTimeoutMs?: number;
  /** How long to wait for `imok`. Default 30 s (a cold JVM on a busy machine). */
  readonly startTimeoutMs?: number;
}

export interface ZookeeperServer {
  readonly port: number;
  /** `127.0.0.1:<port>` */
  readonly connectString: string;
  readonly dataDir: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Starts it again on the same port and data directory (after kill/kill9). */
  start(): Promise<void>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and keeps its data for `start()`. */
  kill(): Promise<void>;
  /** SIGKILLs the process (a crash), keeping its data for `start()`. */
  kill9(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers, like a hung server. */
  pause(): void;
  /** Thaws a paused process (SIGCONT). */
  resume(): void;
  /** Kills the process and removes its files. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts a ZooKeeper server. Throws when the package is missing (with how to install it) or when the
 * server does not answer `ruok` in time (with the tail of its output).
 */
export async function startZookeeper(options: ZookeeperServerOptions = {}): Promise<ZookeeperServer> {
  if (!existsSync(ZK_SERVER_SH)) {
    throw new Error(
      `ZooKeeper not found at ${ZK_SERVER_SH}: these tests need a real server. Install Debian's package ` +
        `(sudo apt-get install -y zookeeper; .ci/run does this) or point ZOOKEEPER_SERVER_SH at zkServer.sh.`,
    );
  }
  installExitHook();
  const tickTimeMs = options.tickTimeMs ?? 100;
  const root = await mkdtemp(path.join(os.tmpdir(), 'nodal-zk-'));
  const dataDir = path.join(root, 'data');
  const logDir = path.join(root, 'log');
  await mkdir(dataDir);
  await mkdir(logDir);
  const port = await freePort();
  const configFile = path.join(root, 'zoo.cfg');
  await writeFile(
    configFile,
    [
      `tickTime=${tickTimeMs}`,
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      `clientPortAddress=${HOST}`,
      `minSessionTimeout=${2 * tickTimeMs}`,
      `maxSessionTimeout=${options.maxSessionTimeoutMs ?? 20 * tickTimeMs}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,cons',
      // fsync on every write is what production wants and what makes tests slow on shared disks.
      'forceSync=no',
      '',
    ].join('\n'),
  );
  return new Server(port, root, dataDir, logDir, configFile, options.startTimeoutMs ?? 30_000).started();
}

class Server implements ZookeeperServer {
  readonly connectString: string;
  private child: ChildProcess | undefined;
  private output = '';
  private removed = false;

  constructor(
    readonly port: number,
    private readonly root: string,
    readonly dataDir: string,
    private readonly logDir: string,
    private readonly configFile: string,
    private readonly startTimeoutMs: number,
  ) {
    this.connectString = `${HOST}:${port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async started(): Promise<this> {
    try {
      await this.start();
      return this;
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async start(): Promise<void> {
    if (this.removed) throw new Error('this ZooKeeper server was stopped for good');
    if (this.running) return;
    this.output = '';
    // start-foreground ends in `exec java`, so the child is the JVM itself; its own process group lets us
    // kill anything it might spawn.
    const child = spawn('/bin/bash', [ZK_SERVER_SH, 'start-foreground', this.configFile], {
      cwd: this.root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        JMXDISABLE: 'true',
        ZOO_LOG_DIR: this.logDir,
        SERVER_JVMFLAGS: '-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1',
      },
    });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`ZooKeeper exited during start (code ${child.exitCode}); output:\n${this.output}`);
      }
      if ((await fourLetterWord(this.port, 'ruok', 500)) === 'imok') return;
      await sleep(100);
    }
    await this.kill9();
    throw new Error(
      `ZooKeeper did not answer ruok within ${this.startTimeoutMs} ms; output:\n${this.output}`,
    );
  }

  kill(): Promise<void> {
    return this.terminate('SIGTERM');
  }

  kill9(): Promise<void> {
    return this.terminate('SIGKILL');
  }

  pause(): void {
    if (this.child && this.running) killGroup(this.child, 'SIGSTOP');
  }

  resume(): void {
    if (this.child && this.running) killGroup(this.child, 'SIGCONT');
  }

  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
    if (this.removed) return;
    this.removed = true;
    await rm(this.root, { recursive: true, force: true });
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child, signal);
    if (signal !== 'SIGKILL') killGroup(child, 'SIGCONT'); // a paused JVM handles SIGTERM only once thawed
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

/** Sends a four-letter word and returns the reply ('' when the server does not answer). */
export function fourLetterWord(port: number, word: string, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = net.connect({ host: HOST, port });
    const finish = () => {
      socket.destroy();
      resolve(reply.trim());
    };
    socket.setTimeout(timeoutMs, finish);
    socket.on('connect', () => socket.write(word));
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('end', finish);
    socket.on('error', finish);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
