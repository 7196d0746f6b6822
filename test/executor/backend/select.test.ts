import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { NodalError } from '../../../config/errors.js';
import type { Logger, LogMeta } from '../../../config/logger.js';
import { backendCandidates, selectBackend, type BackendDeps } from '../../../executor/backend/index.js';
import {
  loadOptionalPackage,
  nodePackageLoader,
  type PackageLoader,
} from '../../../executor/backend/optional-package.js';
import { buildModel, predictProbabilities } from '../../../executor/model/index.js';

type Line = { level: string; message: string; meta: LogMeta };

function recordingLogger(lines: Line[], bound: LogMeta = {}): Logger {
  const at =
    (level: string) =>
    (message: string, meta: LogMeta = {}) =>
      lines.push({ level, message, meta: { ...bound, ...meta } });
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (m) => recordingLogger(lines, { ...bound, ...m }),
  };
}

/** A loader where the tfjs-node packages are whatever `fakes` says; everything else is real. */
function loaderWith(fakes: Record<string, () => Promise<unknown>>): PackageLoader {
  return {
    resolve: (spec) =>
      spec in fakes ? `/fake/node_modules/${spec}/index.js` : nodePackageLoader.resolve(spec),
    load: (spec) => (spec in fakes ? fakes[spec]() : nodePackageLoader.load(spec)),
  };
}

/** What @tensorflow/tfjs-node does on import: registers a `tensorflow` backend and its kernels. */
function fakeTfjsNode(): Promise<unknown> {
  tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);
  for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });
  return Promise.resolve({ version: { 'tfjs-core': '4.21.0' } });
}

function removeFakeTfjsNode(): void {
  for (const k of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(k.kernelName, 'tensorflow');
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
}

function brokenAddon(): Promise<unknown> {
  const e = new Error(
    "Cannot find module '/x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'\nRequire stack:\n- …",
  ) as Error & { code: string };
  e.code = 'MODULE_NOT_FOUND';
  return Promise.reject(e);
}

describe('executor/backend', () => {
  it('tries gpu, node, wasm then cpu for auto, and an explicit choice alone', () => {
    expect(backendCandidates('auto')).to.deep.equal(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(backendCandidates('wasm')).to.deep.equal(['wasm']);
  });

  it('tells a missing optional package from a broken one', async () => {
    const missing = await loadOptionalPackage('@tensorflow/tfjs-node', nodePackageLoader);
    expect(missing).to.deep.equal({ ok: false, reason: '@tensorflow/tfjs-node is not installed' });
    const broken = await loadOptionalPackage(
      '@tensorflow/tfjs-node',
      loaderWith({ '@tensorflow/tfjs-node': brokenAddon }),
    );
    expect(broken.ok).to.equal(false);
    expect((broken as { reason: string }).reason).to.match(
      /installed but failed to load .*MODULE_NOT_FOUND: Cannot find module .*tfjs_binding\.node'$/,
    );
  });

  it('auto picks wasm here, says why tfjs-node-gpu and tfjs-node were skipped, and registers the gradient kernels', async () => {
    const lines: Line[] = [];
    const chosen = await selectBackend('auto', recordingLogger(lines));
    expect(chosen.name).to.equal('wasm');
    expect(chosen.engineBackend).to.equal('wasm');
    expect(chosen.tf).to.equal(tf);
    expect(tf.getBackend()).to.equal('wasm');
    expect(chosen.skipped).to.deep.equal([
      { name: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { name: 'tfjs-node', reason: '@tensorflow/tfjs-node is not installed' },
    ]);
    expect(chosen.reason).to.equal('first that loaded; skipped tfjs-node-gpu, tfjs-node');
    expect(chosen.kernels).to.include('Conv2DBackpropFilter');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).to.not.equal(undefined);
    const selected = lines.find((l) => l.message === 'backend selected');
    expect(selected?.meta).to.deep.include({ component: 'backend', backend: 'wasm', engineBackend: 'wasm' });
    expect(lines.filter((l) => l.message === 'backend skipped').map((l) => l.meta.backend)).to.deep.equal([
      'tfjs-node-gpu',
      'tfjs-node',
    ]);
    // Selecting again (another component, a second job) must not register the kernels twice.
    expect((await selectBackend('wasm')).kernels).to.deep.equal(chosen.kernels);
  });

  it('an explicit backend that cannot load is an UNAVAILABLE error with the reason', async () => {
    for (const [pref, deps, reason] of [
      ['tfjs-node', {}, /backend tfjs-node unavailable: tfjs-node: @tensorflow\/tfjs-node is not installed/],
      [
        'tfjs-node-gpu',
        { packages: loaderWith({ '@tensorflow/tfjs-node-gpu': brokenAddon }) },
        /installed but failed to load/,
      ],
      [
        'wasm',
        { registerWasmKernels: () => Promise.reject(new Error('boom')) },
        /cannot register the wasm gradient kernels: boom/,
      ],
    ] as Array<[Parameters<typeof selectBackend>[0], BackendDeps, RegExp]>) {
      let caught: unknown;
      try {
        await selectBackend(pref, undefined, deps);
      } catch (e) {
        caught = e;
      }
      expect(caught, pref).to.be.instanceOf(NodalError);
      expect((caught as NodalError).code).to.equal('UNAVAILABLE');
      expect((caught as NodalError).message).to.match(reason);
    }
  });

  it('auto falls back past a broken tfjs-node and, without wasm kernels, to cpu with a warning', async () => {
    const lines: Line[] = [];
    const chosen = await selectBackend('auto', recordingLogger(lines), {
      packages: loaderWith({ '@tensorflow/tfjs-node': brokenAddon }),
      registerWasmKernels: () => Promise.reject(new Error('no kernels')),
    });
    expect(chosen.name).to.equal('cpu');
    expect(chosen.skipped.map((s) => s.name)).to.deep.equal(['tfjs-node-gpu', 'tfjs-node', 'wasm']);
    expect(chosen.skipped[1].reason).to.match(/failed to load/);
    expect(lines.some((l) => l.level === 'warn' && /very slow/.test(l.message))).to.equal(true);
  });

  describe('with a tfjs-node that loads', () => {
    after(async () => {
      removeFakeTfjsNode();
      await tf.setBackend('cpu');
    });

    it('auto picks it, and tfjs layers run on its backend through the shared engine', async () => {
      const lines: Line[] = [];
      const chosen = await selectBackend('auto', recordingLogger(lines), {
        packages: loaderWith({ '@tensorflow/tfjs-node': fakeTfjsNode }),
      });
      expect(chosen.name).to.equal('tfjs-node');
      expect(chosen.engineBackend).to.equal('tensorflow');
      expect(tf.getBackend()).to.equal('tensorflow');
      const model = buildModel('small-cnn', { seed: 1 });
      const p = predictProbabilities(model, new Float32Array(96 * 96 * 3).fill(0.5));
      expect(p[0]).to.be.within(0, 1);
      expect(tf.engine().backendName).to.equal('tensorflow');
      // The fake bundles an older tfjs-core: that is reported, not fatal.
      expect(lines.some((l) => l.message === 'backend version mismatch')).to.equal(true);
    });
  });
});
