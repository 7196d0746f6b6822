// Binary classification metrics over probabilities and 0/1 labels: accuracy at 0.5, exact ROC AUC
// (rank-based, ties averaged — equal to the Mann-Whitney U statistic) and mean log loss.
import { NodalError } from '../../config/errors.js';

export interface BinaryMetrics {
  accuracy: number;
  auc: number;
  loss: number;
  n: number;
}

const EPS = 1e-7;

/** Exact ROC AUC; NaN when only one class is present. */
export function rocAuc(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = probs.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]!);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && probs[order[j + 1]!] === probs[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        rankSumPos += avgRank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (!pos || !neg) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Accuracy (threshold 0.5), AUC and log loss; throws VALIDATION on length mismatch or empty input. */
export function binaryMetrics(probs: ArrayLike<number>, labels: ArrayLike<number>): BinaryMetrics {
  if (probs.length !== labels.length)
    throw new NodalError('VALIDATION', `${probs.length} probabilities for ${labels.length} labels`);
  if (!probs.length) throw new NodalError('VALIDATION', 'no examples to evaluate');
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, probs[i]!));
    const y = labels[i] ? 1 : 0;
    if ((p >= 0.5 ? 1 : 0) === y) correct++;
    loss -= y ? Math.log(p) : Math.log(1 - p);
  }
  return {
    accuracy: correct / probs.length,
    auc: rocAuc(probs, labels),
    loss: loss / probs.length,
    n: probs.length,
  };
}
