// Drawing samples on canvases (grey or RGB): a grid of images with the class each was drawn for in its corner, and the
// denoising film, one frame per sampler step shown, each with its timestep t.

/**
 * Image k of a batch of channel-planar images [n, C, size, size] with values in [−1, 1] on a canvas of its
 * own: grey for one channel, colour for three.
 */
function imageCanvas(imgs: Float32Array, k: number, size: number, channels: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = c.height = size;
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(size, size);
  const plane = size * size;
  const toByte = (v: number) => Math.round(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
  for (let i = 0; i < plane; i++) {
    for (let ch = 0; ch < 3; ch++) img.data[4 * i + ch] = toByte(imgs[(k * channels + (channels === 3 ? ch : 0)) * plane + i]);
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

export interface GridLayout {
  cols: number;
  /** Pixels per image pixel. */
  scale: number;
  /** One caption per image: drawn in the cell's top-left corner ("3"), or under it when `below` ("t = 999"). */
  captions?: string[] | null;
  below?: boolean;
  /** Channels per image: 1 (grey, the default) or 3 (RGB). */
  channels?: number;
}

export const GRID_BACKGROUND = '#282828';

/** Draws n images (channel-planar, values in [−1, 1]) as a grid of cells, each with its caption. */
export function drawGrid(canvas: HTMLCanvasElement, imgs: Float32Array, n: number, size: number, o: GridLayout): void {
  const gap = 3;
  const captionH = o.captions && o.below ? 16 : 0;
  const cell = size * o.scale;
  const rows = Math.ceil(n / o.cols);
  canvas.width = o.cols * (cell + gap) + gap;
  canvas.height = rows * (cell + captionH + gap) + gap;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = GRID_BACKGROUND;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  ctx.font = '12px system-ui, sans-serif';
  for (let k = 0; k < n; k++) {
    const x = gap + (k % o.cols) * (cell + gap);
    const y = gap + Math.floor(k / o.cols) * (cell + captionH + gap);
    ctx.drawImage(imageCanvas(imgs, k, size, o.channels ?? 1), x, y, cell, cell);
    const caption = o.captions?.[k];
    if (!caption) continue;
    if (o.below) {
      ctx.fillStyle = '#ddd';
      ctx.textAlign = 'center';
      ctx.fillText(caption, x + cell / 2, y + cell + 12);
    } else {
      // A dark tab behind the digit label so it reads on white strokes too.
      const w = ctx.measureText(caption).width + 6;
      ctx.fillStyle = 'rgba(0, 0, 0, 0.65)';
      ctx.fillRect(x, y, w, 15);
      ctx.fillStyle = '#ffd866';
      ctx.textAlign = 'left';
      ctx.fillText(caption, x + 3, y + 12);
    }
  }
}
