import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { PATCH_BYTES } from '../../../executor/data/pcam-layout.js';
import { createRng } from '../../../executor/data/rng.js';
import { synthLabels, synthRows, writeSyntheticPcam } from '../../../executor/data/synth.js';
import { renderSyntheticPatch } from '../../../executor/data/synth-texture.js';
import { darkFraction, thresholdAccuracy } from './learnability.js';

describe('executor/data/synth', () => {
  it('renders the same bytes for the same seed and different bytes for another', () => {
    const a = new Uint8Array(PATCH_BYTES);
    const b = new Uint8Array(PATCH_BYTES);
    const c = new Uint8Array(PATCH_BYTES);
    renderSyntheticPatch(createRng(11), true, a);
    renderSyntheticPatch(createRng(11), true, b);
    renderSyntheticPatch(createRng(12), true, c);
    expect(Buffer.from(a).equals(Buffer.from(b))).to.equal(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).to.equal(false);
  });

  it('balances labels exactly and shuffles them by seed', () => {
    const a = synthLabels(101, 1, 'train');
    expect(a.reduce((s, v) => s + v, 0)).to.equal(50);
    expect([...a]).to.deep.equal([...synthLabels(101, 1, 'train')]);
    expect([...a]).to.not.deep.equal([...synthLabels(101, 2, 'train')]);
    expect([...a]).to.not.deep.equal([...synthLabels(101, 1, 'valid')]);
  });

  it('draws H&E-like colours: pink stroma, purple nuclei, no grey or green casts', () => {
    const x = synthRows(4, 'train', Uint8Array.from([0, 1]), 0, 2);
    for (let k = 0; k < 2; k++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let p = k * PATCH_BYTES; p < (k + 1) * PATCH_BYTES; p += 3) {
        r += x[p];
        g += x[p + 1];
        b += x[p + 2];
      }
      // Eosin and hematoxylin both absorb green most: green is the weakest channel on average.
      expect(g).to.be.below(r);
      expect(g).to.be.below(b);
    }
  });

  it('is learnable: the dark-pixel fraction alone separates a few hundred patches > 90 %', () => {
    const n = 300;
    const labels = synthLabels(n, 2024, 'train');
    const x = synthRows(2024, 'train', labels, 0, n);
    const pairs = Array.from({ length: n }, (_, k): [number, number] => [darkFraction(x, k, 110), labels[k]]);
    const accuracy = thresholdAccuracy(pairs.slice(0, 150), pairs.slice(150));
    expect(accuracy).to.be.above(0.9);
  });

  it('rejects negative or fractional counts', async () => {
    for (const bad of [{ train: -1 }, { valid: 1.5 }]) {
      let caught: unknown;
      try {
        await writeSyntheticPcam('/nonexistent-never-created', {
          train: 1,
          valid: 1,
          test: 1,
          seed: 1,
          ...bad,
        });
      } catch (e) {
        caught = e;
      }
      expect(isNodalError(caught, 'VALIDATION'), JSON.stringify(bad)).to.equal(true);
    }
  });
});
