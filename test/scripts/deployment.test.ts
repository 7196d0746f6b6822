// Deployment files cannot be exercised here (no Marathon, no Docker engine): these tests check the rules
// of Marathon's app schema that matter for a framework scheduler, and the structure of the Dockerfiles.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { schema } from '../../config/schema.js';

const root = new URL('../../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');

// Marathon's path-id segment rule (AppDefinition id).
const ID_SEGMENT = /^(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
const HEALTH_PROTOCOLS = ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP'];

function schemaEnvNames(node: Record<string, any> = schema as any, out = new Set<string>()): Set<string> {
  for (const v of Object.values(node)) {
    if (v && typeof v === 'object' && 'default' in v) {
      if (typeof v.env === 'string') out.add(v.env);
    } else if (v && typeof v === 'object') schemaEnvNames(v, out);
  }
  return out;
}

describe('scripts/marathon/nodal-scheduler.json', () => {
  const app = JSON.parse(read('scripts/marathon/nodal-scheduler.json'));

  it('has a valid absolute id', () => {
    expect(app.id).to.match(/^\//);
    for (const seg of app.id.slice(1).split('/')) expect(seg).to.match(ID_SEGMENT);
  });

  it('runs exactly one instance and upgrades without ever running two leaders', () => {
    expect(app.instances).to.equal(1);
    // Marathon kills the old instance before starting the new one only with both at 0.
    expect(app.upgradeStrategy).to.deep.equal({ minimumHealthCapacity: 0, maximumOverCapacity: 0 });
  });

  it('uses args with a Docker container (cmd and args are exclusive)', () => {
    expect(app).not.to.have.property('cmd');
    expect(app.args).to.deep.equal(['scheduler']);
    expect(app.container.type).to.equal('DOCKER');
    expect(app.container.docker.image).to.match(/^[\w./-]+:[\w.-]+$/);
    expect(app.container.docker.image).not.to.match(/:latest$/);
  });

  it('declares ports with unique valid names', () => {
    expect(app.portDefinitions).to.be.an('array').with.length.greaterThan(0);
    const names = app.portDefinitions.map((p: any) => p.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const p of app.portDefinitions) {
      expect(p.port).to.be.within(0, 65535);
      expect(p.name).to.match(/^[a-z0-9-]+$/);
      expect(['tcp', 'udp', 'udp,tcp']).to.include(p.protocol);
    }
  });

  it('health-checks /health on a declared port', () => {
    expect(app.healthChecks).to.have.length(1);
    const hc = app.healthChecks[0];
    expect(HEALTH_PROTOCOLS).to.include(hc.protocol);
    expect(hc.path).to.equal('/health');
    expect(hc.portIndex).to.be.within(0, app.portDefinitions.length - 1);
    expect(hc.timeoutSeconds).to.be.lessThan(hc.intervalSeconds);
    expect(hc.gracePeriodSeconds).to.be.greaterThan(0);
    expect(hc.maxConsecutiveFailures).to.be.greaterThan(0);
  });

  it('env: every value is a string or a declared secret, and every variable is one nodal reads', () => {
    const known = schemaEnvNames();
    for (const [name, value] of Object.entries<any>(app.env)) {
      expect(known.has(name), `${name} is not a nodal config variable`).to.equal(true);
      if (typeof value === 'object') {
        expect(Object.keys(value)).to.deep.equal(['secret']);
        expect(app.secrets, `secret ${value.secret}`).to.have.property(value.secret);
      } else expect(value).to.be.a('string');
    }
    // Secrets never appear as plain values.
    expect(typeof app.env.NODAL_API_TOKEN).to.equal('object');
    expect(typeof app.env.NODAL_MESOS_SECRET).to.equal('object');
  });

  it('env: configures master detection from ZooKeeper, the ZooKeeper store and a long failover timeout', () => {
    const env: Record<string, string> = { PORT0: '31000' };
    for (const [k, v] of Object.entries<any>(app.env)) env[k] = typeof v === 'string' ? v : 'secret-value';
    const config = loadConfig({ env });
    expect(config.mesos.master[0]).to.match(/^zk:\/\/.+\/mesos$/);
    expect(config.store.kind).to.equal('zookeeper');
    expect(config.api.port).to.equal(31000);
    expect(config.api.host).to.equal('0.0.0.0');
    expect(config.mesos.failoverTimeoutMs).to.be.at.least(24 * 3600 * 1000);
  });
});

interface Instruction {
  op: string;
  args: string;
  line: number;
}

function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i]!;
    if (/^\s*(#|$)/.test(l)) continue;
    while (l.trimEnd().endsWith('\\') && i + 1 < lines.length)
      l = l.trimEnd().slice(0, -1) + ' ' + lines[++i]!.trim();
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`line ${start + 1}: cannot parse '${l}'`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

const KNOWN_OPS = new Set([
  'FROM',
  'ARG',
  'RUN',
  'COPY',
  'ADD',
  'ENV',
  'WORKDIR',
  'USER',
  'EXPOSE',
  'ENTRYPOINT',
  'CMD',
  'LABEL',
  'HEALTHCHECK',
  'SHELL',
  'VOLUME',
  'STOPSIGNAL',
  'ONBUILD',
]);

describe('scripts/docker/*.Dockerfile', () => {
  const files = readdirSync(new URL('scripts/docker/', root)).filter((f) => f.endsWith('.Dockerfile'));

  it('has the scheduler, x86_64 CUDA and ppc64le executor images', () => {
    expect(files).to.include.members([
      'scheduler.Dockerfile',
      'executor-cuda.Dockerfile',
      'executor-ppc64le.Dockerfile',
    ]);
  });

  for (const file of files) {
    describe(file, () => {
      const ins = parseDockerfile(read(`scripts/docker/${file}`));
      const froms = ins.filter((i) => i.op === 'FROM');
      const lastStage = ins.slice(ins.lastIndexOf(froms[froms.length - 1]!));

      it('uses only known instructions and starts with ARG/FROM', () => {
        for (const i of ins) expect(KNOWN_OPS.has(i.op), `line ${i.line}: ${i.op}`).to.equal(true);
        expect(['FROM', 'ARG']).to.include(ins[0]!.op);
      });

      it('pins every base image to a tag that is not latest', () => {
        const stages = new Set<string>();
        for (const f of froms) {
          const [image, , alias] = f.args.split(/\s+/);
          if (!stages.has(image!)) {
            expect(image, `line ${f.line}`).to.match(/:[\w.-]+$/);
            expect(image).not.to.match(/:latest$/);
          }
          if (alias) stages.add(alias);
        }
      });

      it('copies only from stages it defines', () => {
        const stages = new Set(froms.map((f) => f.args.split(/\s+/)[2]).filter(Boolean));
        for (const c of ins.filter((i) => i.op === 'COPY' && i.args.includes('--from='))) {
          const from = /--from=(\S+)/.exec(c.args)![1]!;
          expect(stages.has(from), `line ${c.line}: --from=${from}`).to.equal(true);
        }
      });

      it('has an exec-form ENTRYPOINT running nodal, with nodal on PATH', () => {
        const ep = lastStage.filter((i) => i.op === 'ENTRYPOINT').pop();
        expect(ep, 'ENTRYPOINT').to.not.equal(undefined);
        expect(JSON.parse(ep!.args)).to.deep.equal(['nodal']);
        const cmd = lastStage.filter((i) => i.op === 'CMD').pop();
        expect(() => JSON.parse(cmd!.args)).not.to.throw();
        expect(lastStage.some((i) => i.op === 'RUN' && i.args.includes('/usr/local/bin/nodal'))).to.equal(
          true,
        );
      });

      it('runs as a non-root user', () => {
        const user = lastStage.filter((i) => i.op === 'USER').pop();
        expect(user, 'USER').to.not.equal(undefined);
        expect(user!.args).not.to.match(/^(root|0)$/);
      });

      if (file.startsWith('executor')) {
        it('declares NVIDIA_VISIBLE_DEVICES so the agent injects the GPU driver, and uses tfjs-node-gpu', () => {
          const env = lastStage
            .filter((i) => i.op === 'ENV')
            .map((i) => i.args)
            .join(' ');
          expect(env).to.match(/NVIDIA_VISIBLE_DEVICES=/);
          expect(env).to.match(/NODAL_BACKEND=tfjs-node-gpu/);
          expect(
            ins.some((i) => i.op === 'RUN' && i.args.includes("require('@tensorflow/tfjs-node-gpu')")),
          ).to.equal(true);
        });
      }
      if (file === 'executor-ppc64le.Dockerfile') {
        it('builds libtensorflow for ppc64le and compiles the addon against it', () => {
          const text = ins.map((i) => i.args).join('\n');
          expect(froms[0]!.args).to.match(/ppc64le/);
          expect(text).to.contain('build-libtensorflow');
          expect(text).to.contain('--build-addon-from-source');
          expect(text).to.contain('linux-ppc64le');
        });
      }
    });
  }
});
