import { expect } from 'chai';
import { isNodalError } from '../../../config/errors.js';
import { formatMesosDuration, parseMesosDuration } from '../../../protos/wire/duration.js';

describe('protos/wire/duration', () => {
  const formats: [number, string][] = [
    [0, '0ns'],
    [0.0005, '500ns'],
    [0.5, '500us'],
    [100, '100ms'],
    [1500, '1500ms'],
    [5000, '5secs'],
    [2000, '2secs'],
    [60_000, '1mins'],
    [90_000, '90secs'],
    [900_000, '15mins'],
    [3_600_000, '1hrs'],
    [86_400_000, '1days'],
    [604_800_000, '1weeks'],
    [1234.5678, '1.2345678secs'],
    [10 * 604_800_000 + 1000, '10.0000016534392weeks'],
    [12_345_678, '3.429355hrs'],
  ];
  for (const [ms, text] of formats) {
    it(`formats ${ms} ms as '${text}' and parses it back`, () => {
      expect(formatMesosDuration(ms)).to.equal(text);
      expect(parseMesosDuration(text)).to.be.closeTo(ms, ms * 1e-14 + 1e-12);
    });
  }

  const parses: [string, number][] = [
    ['5secs', 5000],
    ['1.5mins', 90_000],
    ['.5secs', 500],
    ['2.secs', 2000],
    ['10us', 0.01],
    ['250ns', 0.00025],
    ['2hrs', 7_200_000],
    ['3days', 259_200_000],
    ['2weeks', 1_209_600_000],
  ];
  for (const [text, ms] of parses) {
    it(`parses '${text}' as ${ms} ms`, () => {
      expect(parseMesosDuration(text)).to.be.closeTo(ms, 1e-9);
    });
  }

  for (const bad of [
    '',
    '5',
    'secs',
    '5 secs',
    ' 5secs',
    '-5secs',
    '5sec',
    '5s',
    '1e3ms',
    '5secs5ms',
    '5SECS',
    'NaNsecs',
  ]) {
    it(`rejects '${bad}' with a VALIDATION error`, () => {
      expect(() => parseMesosDuration(bad))
        .to.throw()
        .that.satisfies((e: unknown) => isNodalError(e, 'VALIDATION'));
    });
  }

  it('refuses to format negative or non-finite durations', () => {
    for (const bad of [-1, NaN, Infinity]) {
      expect(() => formatMesosDuration(bad))
        .to.throw()
        .that.satisfies((e: unknown) => isNodalError(e, 'VALIDATION'));
    }
  });

  it('round-trips durations up to a year to 15 significant digits (exactly when the unit divides them)', () => {
    let x = 7;
    for (let i = 0; i < 500; i++) {
      x = (x * 48271) % 2147483647;
      const ms = x % (365 * 86_400_000);
      expect(parseMesosDuration(formatMesosDuration(ms)), String(ms)).to.be.closeTo(ms, ms * 1e-14);
      const whole = (ms % 1000) * 1000;
      expect(parseMesosDuration(formatMesosDuration(whole)), String(whole)).to.equal(whole);
    }
  });
});
