// An image file the user picks as the sketch's starting point: decoded by the browser (<img>), centre-cropped
// to a square, resized onto a size×size canvas and turned grey in [0, 1]. A photo of dark ink on paper is
// inverted, so the model sees light strokes on dark as in MNIST.

/** Loads the file into an <img>; a file the browser cannot decode is a one-line error naming it. */
async function decodeFile(file: File): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } catch {
    throw new Error(`${file.name} is not an image this browser can read (choose a PNG or JPEG)`);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Mean grey of the outermost ring of pixels: the background, for a centred drawing. */
function borderMean(grey: Float32Array, size: number): number {
  let sum = 0, n = 0;
  for (let i = 0; i < size; i++) {
    for (const k of [i, (size - 1) * size + i, i * size, i * size + size - 1]) sum += grey[k], n++;
  }
  return sum / n;
}

export async function readGreyImage(file: File, size: number): Promise<{ grey: Float32Array; inverted: boolean }> {
  const img = await decodeFile(file);
  const side = Math.min(img.naturalWidth, img.naturalHeight);
  if (!side) throw new Error(`${file.name} has no pixels`);
  const c = document.createElement('canvas');
  c.width = c.height = size;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#000'; // transparent parts count as background
  ctx.fillRect(0, 0, size, size);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(img, (img.naturalWidth - side) / 2, (img.naturalHeight - side) / 2, side, side, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const grey = Float32Array.from({ length: size * size }, (_, i) => (rgba[4 * i] + rgba[4 * i + 1] + rgba[4 * i + 2]) / (3 * 255));
  const inverted = borderMean(grey, size) > 0.5;
  if (inverted) for (let i = 0; i < grey.length; i++) grey[i] = 1 - grey[i];
  return { grey, inverted };
}
