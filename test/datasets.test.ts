// Loading training sets on the CPU: IDX parsing, Fashion-MNIST (the Debian package's files when installed),
// resizing, a folder or zip of the user's images (class folders, grey/RGB detection, bad files skipped and
// named, empty or image-less sets refused), the GPU-buffer cap, and RGB sample grids.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { parseIdx, parseIdxImages } from '../src/data/idx.ts';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../src/data/fashion-mnist-node.ts';
import { resampleTaps, resizeSquare } from '../src/data/resize.ts';
import { loadUserImages } from '../src/data/user-images-node.ts';
import { loadTrainingSet } from '../src/data/datasets-node.ts';
import { DatasetError, evenlySpaced, imagesPerBinding, type ImageSet } from '../src/data/image-set.ts';
import { gridPng } from '../src/io/images-node.ts';
import { BLUE, folderOf, GREY, idxBytes, jpegBytes, pngBytes, RED, shapesFolder } from './image-fixtures.ts';

const FASHION_INSTALLED = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

/** Pixel (x, y) of image k, channel c. */
const at = (s: ImageSet, k: number, c: number, x: number, y: number) => s.images[((k * s.channels + c) * s.size + y) * s.size + x];

describe('IDX files', () => {
  it('parses a hand-made [2, 3, 3] file in C order', () => {
    const data = Array.from({ length: 18 }, (_, i) => i * 10);
    const { dims, data: got } = parseIdx(idxBytes([2, 3, 3], data));
    expect(dims).toEqual([2, 3, 3]);
    expect([...got]).toEqual(data);
  });

  it('refuses a bad magic, another element type, and a length that does not match the dimensions', () => {
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 1, 5]))).toThrow(/not an IDX file/);
    const floats = idxBytes([1], [0, 0, 0, 0]);
    floats[2] = 0x0d;
    expect(() => parseIdx(floats)).toThrow(/IDX type 0x0d is not unsigned bytes/);
    expect(() => parseIdx(idxBytes([2, 3, 3], new Array(17).fill(0)))).toThrow(/need 18 data bytes, the file has 17/);
    expect(() => parseIdxImages(idxBytes([2, 2, 2], new Array(8).fill(0)), idxBytes([3], [0, 1, 2]), 'x')).toThrow(/2 images but labels of shape \[3\]/);
  });

  it('Fashion-MNIST files load gzipped or not, and a missing package says how to install it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-fm-'));
    const pixels = Array.from({ length: 3 * 4 }, (_, i) => i * 20);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes([3, 2, 2], pixels)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([3], [9, 0, 4]));
    const set = loadFashionMnist('train', dir);
    expect([set.count, set.size, set.channels]).toEqual([3, 2, 1]);
    expect([...set.labels]).toEqual([9, 0, 4]);
    expect(set.images[5]).toBeCloseTo(100 / 255, 6);
    expect(set.classNames[9]).toBe('Ankle boot');
    expect(() => loadFashionMnist('test', dir)).toThrow(/Fashion-MNIST is not installed .*install it with: sudo apt-get install dataset-fashion-mnist/);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes([3], [9, 10, 4]));
    expect(() => loadFashionMnist('train', dir)).toThrow(/label 10 at 1 is not one of the 10 classes/);
  });

  it.skipIf(!FASHION_INSTALLED)(`the installed Fashion-MNIST: 60,000 train and 10,000 test images, 6,000 and 1,000 per class${FASHION_INSTALLED ? '' : ' (skipped: dataset-fashion-mnist is not installed; ./scripts/setup.sh --with-fashion-mnist)'}`, () => {
    for (const [split, count] of [['train', 60000], ['test', 10000]] as const) {
      const set = loadFashionMnist(split);
      expect([set.count, set.size, set.channels, set.images.length]).toEqual([count, 28, 1, count * 784]);
      const perClass = new Array(10).fill(0);
      for (const l of set.labels) perClass[l]++;
      expect(perClass).toEqual(new Array(10).fill(count / 10));
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < set.images.length; i++) (lo = Math.min(lo, set.images[i])), (hi = Math.max(hi, set.images[i]));
      expect([lo, hi]).toEqual([0, 1]);
    }
    // For training: cut to one 128 MiB GPU buffer, evenly spaced, and said so.
    const { set, warnings, record } = loadTrainingSet({ source: 'fashion-mnist', size: 28 });
    expect(set.count).toBe(42799);
    expect(warnings).toEqual([expect.stringMatching(/^using 42,799 of the 60,000 images of fashion-mnist/)]);
    expect(record).toMatchObject({ name: 'fashion-mnist', kind: 'fashion-mnist', source: 'fashion-mnist', count: 42799, channels: 1, size: 28 });
  });
  if (!FASHION_INSTALLED) console.warn('datasets.test: the real Fashion-MNIST test is skipped: dataset-fashion-mnist is not installed');
});

describe('resizing', () => {
  it('shrinking averages the covered pixels, enlarging interpolates, equal sizes copy', () => {
    expect(resampleTaps(4, 2)).toEqual([[{ index: 0, weight: 0.5 }, { index: 1, weight: 0.5 }], [{ index: 2, weight: 0.5 }, { index: 3, weight: 0.5 }]]);
    expect(resampleTaps(3, 3).map((t) => t.map((x) => x.index))).toEqual([[0], [1], [2]]);
    const up = resizeSquare(Float32Array.from([0, 1, 0, 1]), 1, 2, 4); // columns 0 and 1
    expect([...up.subarray(0, 4)]).toEqual([0, 0.25, 0.75, 1]);
    for (const [src, dst] of [[7, 3], [28, 8], [5, 13]]) {
      for (const taps of resampleTaps(src, dst)) expect(taps.reduce((a, t) => a + t.weight, 0)).toBeCloseTo(1, 9);
    }
    // A 3→2 shrink gives the middle pixel half to each side.
    const down = resizeSquare(Float32Array.from([0, 0.3, 0.9, 0, 0.3, 0.9, 0, 0.3, 0.9]), 1, 3, 2);
    expect(down[0]).toBeCloseTo((0 + 0.3 * 0.5) / 1.5, 6);
    expect(down[1]).toBeCloseTo((0.9 + 0.3 * 0.5) / 1.5, 6);
  });
});

describe('a folder or zip of images', () => {
  it('class subfolders become sorted classes; RGB is detected; bad files are skipped and named', () => {
    const dir = shapesFolder();
    const { set, skipped } = loadUserImages(dir, 'folder', { size: 4 });
    expect(set.classNames).toEqual(['blues', 'reds']);
    expect([set.count, set.channels, set.size, set.kind]).toEqual([4, 3, 4, 'folder']);
    expect([...set.labels]).toEqual([0, 0, 1, 1]); // blues/b1.png, blues/b2.jpg, reds/r1.png, reds/r2.png
    expect(skipped.map((s) => s.file)).toEqual([join(dir, 'blues/broken.png'), join(dir, 'blues/notes.txt')]);
    expect(skipped[0].reason).toMatch(/^damaged PNG file/);
    expect(skipped[1].reason).toBe('not a PNG or JPEG image');
    expect(at(set, 2, 0, 1, 1)).toBeCloseTo(RED[0] / 255, 5);
    expect(at(set, 2, 2, 1, 1)).toBeCloseTo(RED[2] / 255, 5);
    expect(Math.abs(at(set, 1, 2, 3, 3) - BLUE[2] / 255)).toBeLessThan(6 / 255); // the JPEG, within its rounding
  });

  it('all-grey images (a grey JPEG, a 2/255 tint) load as 1 channel; --channels 3 forces RGB copies', () => {
    const dir = folderOf({
      'a.png': pngBytes(6, 6, (x) => (x < 3 ? [0, 0, 0] : [255, 255, 255])),
      'b.jpg': jpegBytes(8, 8, () => GREY),
      'c.png': pngBytes(6, 6, () => [130, 128, 128]), // off by the rounding a JPEG's colour planes may add
    });
    const grey = loadUserImages(dir, 'folder', { size: 6 }).set;
    expect([grey.channels, grey.classNames, [...grey.labels]]).toEqual([1, [], [0, 0, 0]]);
    expect([at(grey, 0, 0, 0, 0), at(grey, 0, 0, 5, 0)]).toEqual([0, 1]);
    const rgb = loadUserImages(dir, 'folder', { size: 6, channels: 3 }).set;
    expect(rgb.channels).toBe(3);
    expect([0, 1, 2].map((c) => at(rgb, 0, c, 5, 2))).toEqual([1, 1, 1]);
    // One coloured image makes the whole set RGB.
    const mixed = folderOf({ 'a.png': pngBytes(4, 4, () => GREY), 'b.png': pngBytes(4, 4, () => [140, 128, 128]) });
    expect(loadUserImages(mixed, 'folder', { size: 4 }).set.channels).toBe(3);
  });

  it('crops a wide image to its centred square, lays transparency over white, and resizes to the model', () => {
    // 12×4: blue 4 columns, red middle 4, blue 4 — the crop keeps the red middle only.
    const wide = pngBytes(12, 4, (x) => (x >= 4 && x < 8 ? RED : BLUE));
    const clear = pngBytes(4, 4, () => [0, 0, 0, 0]);
    const { set } = loadUserImages(folderOf({ 'a.png': wide, 'b.png': clear }), 'folder', { size: 8 });
    expect(set.size).toBe(8);
    for (const x of [0, 7]) expect(at(set, 0, 0, x, 4)).toBeCloseTo(RED[0] / 255, 5);
    expect([0, 1, 2].map((c) => at(set, 1, c, 3, 3))).toEqual([1, 1, 1]);
  });

  it('a file beside class folders is skipped; an empty class folder is no class', () => {
    const dir = folderOf({ 'cats/1.png': pngBytes(4, 4, () => RED), 'dogs/1.png': pngBytes(4, 4, () => BLUE), 'stray.png': pngBytes(4, 4, () => GREY), 'owls/x.txt': 'no' });
    const { set, skipped } = loadUserImages(dir, 'folder', { size: 4 });
    expect(set.classNames).toEqual(['cats', 'dogs']);
    expect(skipped.map((s) => [s.file, s.reason])).toEqual([
      [join(dir, 'owls/x.txt'), 'not a PNG or JPEG image'],
      [join(dir, 'stray.png'), 'not inside a class folder (the other images are)'],
    ]);
  });

  it('an empty folder, one with only hidden files, and one without a single image are DatasetErrors', () => {
    const empty = mkdtempSync(join(tmpdir(), 'wd-empty-'));
    expect(() => loadUserImages(empty, 'folder', { size: 8 })).toThrow(DatasetError);
    expect(() => loadUserImages(empty, 'folder', { size: 8 })).toThrow(/^the folder holds no files$/);
    expect(() => loadUserImages(folderOf({ '.DS_Store': 'x' }), 'folder', { size: 8 })).toThrow(/holds no files/);
    const junk = folderOf({ 'a.txt': 'hello', 'b.png': 'not really a png' });
    expect(() => loadUserImages(junk, 'folder', { size: 8 })).toThrow(/^no usable image in the folder \(2 files skipped; a\.txt: not a PNG or JPEG image\)$/);
  });

  it('a zip: its one top folder is looked into, macOS clutter ignored, a bad entry skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wd-zip-'));
    const zip = join(dir, 'pets.zip');
    writeFileSync(zip, zipSync({
      'pets/cats/1.png': pngBytes(5, 5, () => RED),
      'pets/cats/2.jpg': jpegBytes(9, 9, () => RED),
      'pets/dogs/1.png': pngBytes(5, 5, () => BLUE),
      'pets/dogs/bad.jpg': jpegBytes(9, 9, () => BLUE).subarray(0, 40),
      '__MACOSX/pets/cats/._1.png': new Uint8Array([0, 5, 22, 7]),
    }));
    const { set, skipped } = loadUserImages(zip, 'zip', { size: 4 });
    expect([set.name, set.kind, set.count, set.channels, set.classNames]).toEqual(['pets', 'zip', 3, 3, ['cats', 'dogs']]);
    expect([...set.labels]).toEqual([0, 0, 1]);
    expect(skipped).toEqual([{ file: `${zip}:pets/dogs/bad.jpg`, reason: expect.stringMatching(/^damaged JPEG file/) }]);
    writeFileSync(join(dir, 'bad.zip'), 'PK not really');
    expect(() => loadUserImages(join(dir, 'bad.zip'), 'zip', { size: 4 })).toThrow(/^not a readable zip file/);
  });

  it('loadTrainingSet tells folders, zips and other paths apart and records the absolute source', () => {
    const dir = shapesFolder();
    const loaded = loadTrainingSet({ source: dir, size: 8 });
    expect(loaded.record).toEqual({ name: loaded.set.name, kind: 'folder', source: dir, count: 4, channels: 3, size: 8, classNames: ['blues', 'reds'] });
    expect(loaded.warnings).toEqual([expect.stringMatching(/^skipped .*broken\.png: damaged PNG/), `skipped ${join(dir, 'blues/notes.txt')}: not a PNG or JPEG image`]);
    expect(() => loadTrainingSet({ source: join(dir, 'reds/r1.png'), size: 8 })).toThrow(/not a folder or a \.zip file of images/);
    expect(() => loadTrainingSet({ source: join(dir, 'nope'), size: 8 })).toThrow(/no such folder or file/);
    expect(() => loadTrainingSet({ source: 'mnist', size: 32 })).toThrow(/mnist images are 28×28 but the model takes 32×32/);
    const mnist = loadTrainingSet({ source: 'mnist', size: 28 });
    expect([mnist.set.count, mnist.set.channels, mnist.set.classNames.length, mnist.warnings]).toEqual([8000, 1, 10, []]);
  });
});

describe('the GPU-buffer cap and RGB grids', () => {
  it('a set is cut to 128 MiB of f32, keeping images evenly spaced through it', () => {
    expect(imagesPerBinding(1, 28)).toBe(42799);
    expect(imagesPerBinding(3, 64)).toBe(2730);
    const set: ImageSet = { images: Float32Array.from({ length: 10 }, (_, i) => i), labels: Uint8Array.from({ length: 10 }, (_, i) => i % 2), count: 10, size: 1, channels: 1, name: 'x', kind: 'folder', classNames: ['a', 'b'] };
    const cut = evenlySpaced(set, 4);
    expect([...cut.images]).toEqual([0, 2, 5, 7]);
    expect([...cut.labels]).toEqual([0, 0, 1, 1]);
  });

  it('gridPng writes planar RGB samples in colour and grey ones as grey', () => {
    const rgb = new Float32Array(3 * 4).fill(-1);
    rgb.fill(1, 0, 4); // the red plane of one 2×2 image
    const png = PNG.sync.read(gridPng(rgb, 1, 2, 1));
    expect([...png.data.subarray(((2 * png.width) + 2) * 4, ((2 * png.width) + 2) * 4 + 3)]).toEqual([255, 0, 0]);
    const grey = PNG.sync.read(gridPng(new Float32Array(4).fill(0), 1, 2, 1));
    expect([...grey.data.subarray(((2 * grey.width) + 2) * 4, ((2 * grey.width) + 2) * 4 + 3)]).toEqual([128, 128, 128]);
    expect(() => gridPng(new Float32Array(8), 1, 2)).toThrow(/not 1 grey or RGB 2×2 images/);
  });
});
