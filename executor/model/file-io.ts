// The TensorFlow.js model format on the local file system (`model.json` + `weights.bin`). tfjs-core only
// ships browser and HTTP handlers; tfjs-node's `file://` handler is not available without tfjs-node.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { NodalError } from '../../config/errors.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

const toDir = (dirOrUrl: string): string =>
  dirOrUrl.startsWith('file://') ? fileURLToPath(dirOrUrl) : dirOrUrl;

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(new tf.io.CompositeArrayBuffer(data).slice());
}

/** Bytes the weight specs need, or null when a spec's size is not fixed by its shape (strings). */
function manifestBytes(specs: tf.io.WeightsManifestEntry[]): number | null {
  const ELEMENT_BYTES: Record<string, number> = {
    float32: 4,
    int32: 4,
    bool: 1,
    uint8: 1,
    uint16: 2,
    float16: 2,
  };
  let total = 0;
  for (const s of specs) {
    const bytes = ELEMENT_BYTES[s.quantization?.dtype ?? s.dtype];
    if (bytes === undefined) return null;
    total += s.shape.reduce((a, d) => a * d, 1) * bytes;
  }
  return total;
}

/** Writes `name` so that a reader sees either the old file or the whole new one. */
function writeAtomic(dir: string, name: string, data: string | Uint8Array): void {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, join(dir, name));
}

/**
 * An IOHandler for a directory (path or file:// URL). save() writes weights.bin, then model.json (its
 * presence marks a complete export); load() reads them back, throwing NOT_FOUND when model.json is
 * missing and DATA_INVALID when a file is malformed or too short.
 */
export function fileIO(dirOrUrl: string): tf.io.IOHandler {
  const dir = toDir(dirOrUrl);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new NodalError('VALIDATION', 'binary model topologies (GraphDef) are not supported');
      }
      mkdirSync(dir, { recursive: true });
      const weights = joinWeightData(artifacts.weightData);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeAtomic(dir, WEIGHTS_BIN, weights);
      writeAtomic(dir, MODEL_JSON, JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON);
      let text: string;
      try {
        text = readFileSync(jsonPath, 'utf8');
      } catch {
        throw new NodalError('NOT_FOUND', `${jsonPath}: no exported model here`, { file: jsonPath });
      }
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new NodalError('DATA_INVALID', `${jsonPath}: not JSON`, { file: jsonPath }, { cause: e });
      }
      if (
        !modelJson ||
        typeof modelJson.modelTopology !== 'object' ||
        !Array.isArray(modelJson.weightsManifest)
      ) {
        throw new NodalError('DATA_INVALID', `${jsonPath}: lacks modelTopology or weightsManifest`, {
          file: jsonPath,
        });
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) =>
          group.paths.map((p) => {
            const file = join(dir, p);
            try {
              const b = readFileSync(file);
              return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
            } catch (e) {
              throw new NodalError('DATA_INVALID', `${file}: cannot read weights`, { file }, { cause: e });
            }
          }),
        );
        const data = new tf.io.CompositeArrayBuffer(buffers);
        const needed = manifestBytes(specs);
        if (needed !== null && data.byteLength < needed) {
          throw new NodalError(
            'DATA_INVALID',
            `${dir}: weights hold ${data.byteLength} bytes, the manifest needs ${needed}`,
            {
              file: dir,
            },
          );
        }
        return [specs, data.slice()];
      });
    },
  };
}

/**
 * Exports `model` in the TensorFlow.js layers format to `dir` (created if missing): model.json and
 * weights.bin, with optional user metadata (e.g. the global step and validation accuracy).
 */
export async function exportModel(
  model: tfl.LayersModel,
  dir: string,
  metadata?: Record<string, unknown>,
): Promise<void> {
  if (metadata) model.setUserDefinedMetadata(metadata);
  await model.save(fileIO(dir));
}

/** Loads a model exported by `exportModel` (or any TF.js layers model directory); see fileIO for errors. */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(fileIO(dir));
}
