import { expect } from 'chai';
import { PNG } from 'pngjs';
import { speedupPlot, timeToAccuracyPlot } from '../../../scripts/bench/study/charts.js';
import {
  blankRaster,
  drawLine,
  drawText,
  encodePng,
  niceTicks,
  pixelAt,
  plotFrame,
  renderPlot,
  tickLabel,
  toPixel,
  type PlotSpec,
  type Rgb,
} from '../../../scripts/bench/study/plot.js';
import { projectAsync, projectSync } from '../../../scripts/bench/study/projection.js';
import { studyRows } from '../../../scripts/bench/study/summary.js';
import { curve, run } from './builders.js';

const RED: Rgb = [214, 39, 40];
const count = (r: ReturnType<typeof blankRaster>, c: Rgb): number => {
  let n = 0;
  for (let i = 0; i < r.data.length; i += 4)
    if (r.data[i] === c[0] && r.data[i + 1] === c[1] && r.data[i + 2] === c[2]) n++;
  return n;
};

describe('scripts/bench/study plots', () => {
  it('picks round-number ticks and labels them with the decimals the step needs', () => {
    expect(niceTicks(0, 8)).to.deep.equal({ ticks: [0, 2, 4, 6, 8], step: 2 });
    expect(niceTicks(0.5, 1).ticks).to.deep.equal([0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceTicks(0, 37, 5).step).to.equal(10);
    expect(tickLabel(0.6000000001, 0.1)).to.equal('0.6');
    expect(tickLabel(40, 10)).to.equal('40');
    expect(tickLabel(0.25, 0.25)).to.equal('0.25');
    expect(() => niceTicks(2, 1)).to.throw(/bad axis range/);
  });

  it('draws lines end to end, dashed lines with gaps, and clips to a frame', () => {
    const r = blankRaster(40, 10);
    drawLine(r, [0, 5], [39, 5], RED);
    expect(count(r, RED)).to.equal(40);
    const d = blankRaster(40, 10);
    drawLine(d, [0, 5], [39, 5], RED, { dashed: true });
    expect(count(d, RED)).to.equal(24); // 6 of every 10 pixels
    const c = blankRaster(40, 10);
    drawLine(c, [0, 5], [39, 5], RED, { thickness: 3, clip: { left: 10, right: 19, top: 0, bottom: 9 } });
    expect(count(c, RED)).to.equal(10 * 3);
    expect(pixelAt(c, 9, 5)).to.deep.equal([255, 255, 255]);
  });

  it('draws text glyph by glyph', () => {
    const r = blankRaster(20, 9);
    drawText(r, '1', 0, 0, RED);
    // The glyph "1" has 10 lit pixels in the 5×7 font.
    expect(count(r, RED)).to.equal(10);
    expect(pixelAt(r, 2, 0)).to.deep.equal(RED);
  });

  it('puts each data point where its coordinates say, in the series colour', () => {
    const spec: PlotSpec = {
      title: 'T',
      xLabel: 'x',
      yLabel: 'y',
      x: [0, 10],
      y: [0, 1],
      series: [
        {
          label: 'a',
          color: RED,
          points: [
            [2, 0.25],
            [8, 0.75],
          ],
        },
      ],
    };
    const r = renderPlot(spec);
    const f = plotFrame(spec);
    for (const p of spec.series[0].points) {
      const [x, y] = toPixel(f, p);
      expect(pixelAt(r, Math.round(x), Math.round(y)), `point ${p}`).to.deep.equal(RED);
    }
    // The frame's corners map to the axis ranges.
    expect(toPixel(f, [0, 0])).to.deep.equal([f.left, f.bottom]);
    expect(toPixel(f, [10, 1])).to.deep.equal([f.right, f.top]);
    expect(() => renderPlot({ ...spec, series: [{ label: 'b', color: RED, points: [[NaN, 1]] }] })).to.throw(
      /non-finite/,
    );
  });

  it('encodes a PNG that decodes to the same pixels', () => {
    const r = blankRaster(7, 5);
    drawLine(r, [0, 0], [6, 4], RED);
    const png = PNG.sync.read(encodePng(r));
    expect([png.width, png.height]).to.deep.equal([7, 5]);
    expect(Buffer.compare(png.data, Buffer.from(r.data))).to.equal(0);
  });

  it('builds the study plots from runs and projections', () => {
    const runs = [
      run('async', 1, { curve: curve([5, 0.6], [9, 0.99]) }),
      run('async', 2, { curve: curve([4, 0.7], [7, 0.99]), trainSeconds: 25 }),
      run('sync', 2, { curve: curve([6, 0.8]) }),
    ];
    const tta = timeToAccuracyPlot(runs, 0.9);
    expect(tta.series.map((s) => [s.label, s.dashed])).to.deep.equal([
      ['async, staleness-aware, 1 w', false],
      ['async, staleness-aware, 2 w', false],
      ['sync, 2 w', true],
      ['target 90%', true],
    ]);
    const costs = { computeMs: [100], commMs: 1, applyMs: 0.5 };
    const projections = [1, 2].map((n) => ({
      workers: n,
      async: projectAsync(costs, n),
      sync: projectSync(costs, n),
    }));
    const sp = speedupPlot(
      studyRows(runs, () => undefined, undefined),
      projections,
    );
    const measured = sp.series.find((s) => s.label === 'async measured, this machine')!;
    expect(measured.points).to.deep.equal([
      [1, 1],
      [2, 1.6],
    ]);
    expect(sp.series.map((s) => s.label)).not.to.include('sync measured, this machine');
    expect(renderPlot(sp).width).to.equal(900);
  });
});
