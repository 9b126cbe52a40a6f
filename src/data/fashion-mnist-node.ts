// Fashion-MNIST (Xiao et al. 2017: 70,000 28×28 grey images of 10 kinds of clothing) from the Debian package
// `dataset-fashion-mnist`, which installs the original gzipped IDX files into /usr/share/datasets/fashion-mnist.
// Its standard split: 60,000 train (train-*), 10,000 test (t10k-*), in the files' own (shuffled) order.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIdxImages } from './idx.ts';
import { DatasetError, type ImageSet } from './image-set.ts';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_INSTALL = 'sudo apt-get install dataset-fashion-mnist (or ./scripts/setup.sh --with-fashion-mnist)';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The file `name` in `dir`, gzipped or not (the Debian package ships .gz; a hand-unpacked copy may not be). */
function readIdxFile(dir: string, name: string): Uint8Array | null {
  for (const file of [join(dir, `${name}.gz`), join(dir, name)]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    // Decide by the gzip magic, not the name: either spelling may hold either form.
    return new Uint8Array(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes);
  }
  return null;
}

/** The train or test split; a missing package is a DatasetError that says how to install it. */
export function loadFashionMnist(split: 'train' | 'test' = 'train', dir = FASHION_MNIST_DIR): ImageSet {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imageFile = readIdxFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelFile = readIdxFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (!imageFile || !labelFile) {
    throw new DatasetError(`Fashion-MNIST is not installed (no ${join(dir, `${prefix}-images-idx3-ubyte.gz`)}); install it with: ${FASHION_MNIST_INSTALL}`);
  }
  let parsed: ReturnType<typeof parseIdxImages>;
  try {
    parsed = parseIdxImages(imageFile, labelFile, `Fashion-MNIST ${split}`);
  } catch (e) {
    throw new DatasetError(`${(e as Error).message} (reinstall dataset-fashion-mnist)`);
  }
  const bad = parsed.labels.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new DatasetError(`Fashion-MNIST ${split}: label ${parsed.labels[bad]} at ${bad} is not one of the 10 classes`);
  // A plain loop: Float32Array.from with a map function is several times slower on 47 M pixels.
  const images = new Float32Array(parsed.pixels.length);
  for (let i = 0; i < images.length; i++) images[i] = parsed.pixels[i] / 255;
  return {
    images,
    labels: parsed.labels.slice(),
    count: parsed.count,
    size: parsed.size,
    channels: 1,
    name: 'fashion-mnist',
    kind: 'fashion-mnist',
    classNames: FASHION_MNIST_CLASSES,
  };
}
