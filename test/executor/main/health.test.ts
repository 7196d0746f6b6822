import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  HealthChecker,
  healthCheckPlan,
  probe,
  type HealthCheckPlan,
  type HealthResult,
} from '../../../executor/main/health.js';

const listen = <S extends net.Server>(server: S): Promise<number> =>
  new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));
const close = (server: net.Server): Promise<void> => new Promise((r) => server.close(() => r()));
/** A port that was free a moment ago (nothing listens there). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await close(s);
  return port;
}
const timing = { delayMs: 0, intervalMs: 30, timeoutMs: 500, consecutiveFailures: 2, gracePeriodMs: 0 };

describe('executor/main/health', () => {
  it('fills in Mesos defaults and refuses unusable checks', () => {
    expect(healthCheckPlan({ type: 'TCP', tcp: { port: 31000 } })).to.deep.equal({
      kind: 'tcp',
      port: 31000,
      delayMs: 15_000,
      intervalMs: 10_000,
      timeoutMs: 20_000,
      consecutiveFailures: 3,
      gracePeriodMs: 10_000,
    });
    expect(
      healthCheckPlan({
        type: 'COMMAND',
        command: { value: 'true' },
        delay_seconds: 0.5,
        grace_period_seconds: 0,
      }),
    ).to.deep.include({ kind: 'command', delayMs: 500, gracePeriodMs: 0 });
    expect(() => healthCheckPlan({ type: 'TCP' })).to.throw(/without a port/);
    expect(() => healthCheckPlan({ http: { port: 80 } })).to.throw(/not supported/);
    expect(() => healthCheckPlan({ type: 'HTTP', http: { port: 80, scheme: 'https' } })).to.throw(/https/);
  });

  it('probes TCP, HTTP and COMMAND checks', async () => {
    const tcp = net.createServer((s) => s.destroy());
    const web = http.createServer((req, res) => {
      res.statusCode = req.url === '/ok' ? 204 : 500;
      res.end();
    });
    const [tcpPort, webPort, nothing] = [await listen(tcp), await listen(web), await freePort()];
    try {
      const p = (plan: Partial<HealthCheckPlan>) =>
        probe({ ...timing, ...plan } as HealthCheckPlan, '127.0.0.1');
      expect((await p({ kind: 'tcp', port: tcpPort })).ok).to.equal(true);
      expect((await p({ kind: 'tcp', port: nothing })).ok).to.equal(false);
      expect(await p({ kind: 'http', port: webPort, path: '/ok' })).to.deep.equal({
        ok: true,
        detail: 'HTTP 204',
      });
      expect(await p({ kind: 'http', port: webPort, path: '/bad' })).to.deep.equal({
        ok: false,
        detail: 'HTTP 500',
      });
      expect((await p({ kind: 'command', command: { value: 'exit 0' } })).ok).to.equal(true);
      expect(await p({ kind: 'command', command: { value: 'exit 3' } })).to.deep.equal({
        ok: false,
        detail: 'exit status 3',
      });
      const argv = {
        value: process.execPath,
        shell: false,
        arguments: ['node', '-e', 'process.exit(process.env.HC === "1" ? 0 : 1)'],
      };
      expect(
        (
          await p({
            kind: 'command',
            command: { ...argv, environment: { variables: [{ name: 'HC', value: '1' }] } },
          })
        ).ok,
      ).to.equal(true);
      expect(await p({ kind: 'command', command: { value: 'sleep 5' }, timeoutMs: 100 })).to.deep.equal({
        ok: false,
        detail: 'no exit within 100 ms',
      });
    } finally {
      await Promise.all([close(tcp), close(web)]);
    }
  });

  it('reports healthy once, then unhealthy, and asks for the kill after consecutive failures', async () => {
    const server = net.createServer((s) => s.destroy());
    const port = await listen(server);
    const results: HealthResult[] = [];
    const checker = new HealthChecker({ ...timing, kind: 'tcp', port }, '127.0.0.1', (r) => results.push(r));
    checker.start();
    try {
      const deadline = Date.now() + 5_000;
      while (results.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 100)); // more successes: no more reports
      expect(results.map((r) => r.healthy)).to.deep.equal([true]);
      await close(server);
      while (!results.some((r) => r.killTask) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(results.map((r) => [r.healthy, r.killTask, r.consecutiveFailures])).to.deep.equal([
        [true, false, 0],
        [false, false, 1],
        [false, true, 2],
      ]);
    } finally {
      checker.stop();
      if (server.listening) await close(server);
    }
  });

  it('ignores failures inside the grace period until a probe succeeds', async () => {
    const port = await freePort();
    const results: HealthResult[] = [];
    const checker = new HealthChecker(
      { ...timing, gracePeriodMs: 10_000, kind: 'tcp', port },
      '127.0.0.1',
      (r) => results.push(r),
    );
    checker.start();
    await new Promise((r) => setTimeout(r, 200));
    checker.stop();
    expect(results).to.deep.equal([]);
  });
});
