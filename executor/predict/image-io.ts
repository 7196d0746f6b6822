// Decodes and encodes whole images for `nodal predict`: PNG (pngjs), JPEG (jpeg-js), TIFF (utif), always
// to 8-bit RGB. Unsupported or corrupt files fail with DATA_INVALID naming the file.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { NodalError } from '../../config/errors.js';

const require = createRequire(import.meta.url);
// utif ships CommonJS without types.
interface UtifIfd {
  width: number;
  height: number;
}
const UTIF = require('utif') as {
  decode(buf: ArrayBuffer): UtifIfd[];
  decodeImage(buf: ArrayBuffer, ifd: UtifIfd): void;
  toRGBA8(ifd: UtifIfd): Uint8Array;
};

export interface RgbImage {
  width: number;
  height: number;
  /** width × height × 3, row-major. */
  rgb: Uint8Array;
}

const MAX_PIXELS = 200_000_000;

function rgbaToRgb(rgba: Uint8Array, width: number, height: number): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    rgb[i * 3] = rgba[j]!;
    rgb[i * 3 + 1] = rgba[j + 1]!;
    rgb[i * 3 + 2] = rgba[j + 2]!;
  }
  return { width, height, rgb };
}

export function detectFormat(bytes: Uint8Array): 'png' | 'jpeg' | 'tiff' | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  if (
    (bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a) ||
    (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[3] === 0x2a)
  )
    return 'tiff';
  return undefined;
}

/** Decodes a PNG, JPEG or TIFF (first page) file to RGB. */
export async function readImage(path: string): Promise<RgbImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new NodalError('NOT_FOUND', `cannot read image ${path}: ${(e as Error).message}`);
  }
  const format = detectFormat(bytes);
  try {
    let img: RgbImage;
    switch (format) {
      case 'png': {
        const png = PNG.sync.read(bytes);
        img = rgbaToRgb(png.data, png.width, png.height);
        break;
      }
      case 'jpeg': {
        const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 2048 });
        img = rgbaToRgb(j.data, j.width, j.height);
        break;
      }
      case 'tiff': {
        const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        const ifds = UTIF.decode(ab);
        if (!ifds.length) throw new Error('no image in the TIFF file');
        UTIF.decodeImage(ab, ifds[0]!);
        img = rgbaToRgb(UTIF.toRGBA8(ifds[0]!), ifds[0]!.width, ifds[0]!.height);
        break;
      }
      default:
        throw new NodalError('DATA_INVALID', `${path}: not a PNG, JPEG or TIFF image`);
    }
    if (!img.width || !img.height || img.width * img.height > MAX_PIXELS)
      throw new Error(`unsupported size ${img.width}x${img.height}`);
    return img;
  } catch (e) {
    if (e instanceof NodalError) throw e;
    throw new NodalError('DATA_INVALID', `${path}: cannot decode ${format} image: ${(e as Error).message}`);
  }
}

export async function writePng(path: string, img: RgbImage): Promise<void> {
  const png = new PNG({ width: img.width, height: img.height });
  for (let i = 0; i < img.width * img.height; i++) {
    png.data[i * 4] = img.rgb[i * 3]!;
    png.data[i * 4 + 1] = img.rgb[i * 3 + 1]!;
    png.data[i * 4 + 2] = img.rgb[i * 3 + 2]!;
    png.data[i * 4 + 3] = 255;
  }
  await writeFile(path, PNG.sync.write(png));
}
