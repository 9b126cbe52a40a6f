// The sketch pad: two 28×28 layers at model resolution — the sketch (white strokes on black, like MNIST)
// and the mask (1 = regenerate) — drawn with Pointer Events, so mouse, touch and pen work alike, and shown
// enlarged on one canvas with the mask as a red tint. The layers are the model's input as they stand: what
// you see is what the sampler gets.

export type SketchLayer = 'sketch' | 'mask';
export type BrushMode = 'draw' | 'erase';

/** Pointer buttons bit for a pen's eraser end (Pointer Events: buttons & 32). */
const PEN_ERASER = 32;

export class SketchPad {
  readonly sketch: Float32Array;
  readonly mask: Float32Array;
  private editing: SketchLayer = 'sketch';
  mode: BrushMode = 'draw';
  /** Brush radius in model pixels. */
  radius = 1.4;
  /** Called after every change (a stroke segment, clear, an image), e.g. to show an "empty mask" hint. */
  onChange: () => void = () => {};
  /** The stroke in progress: its pointer (a second finger does not draw) and where it was last. */
  private stroke: { pointerId: number; x: number; y: number } | null = null;
  private readonly pixels: ImageData;

  constructor(private readonly canvas: HTMLCanvasElement, readonly size = 28) {
    this.sketch = new Float32Array(size * size);
    this.mask = new Float32Array(size * size);
    canvas.width = canvas.height = size;
    canvas.style.touchAction = 'none'; // the page must not scroll or zoom under a finger that draws
    this.pixels = new ImageData(size, size);
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const end of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) {
      canvas.addEventListener(end, (e) => void (e.pointerId === this.stroke?.pointerId && (this.stroke = null)));
    }
    canvas.addEventListener('contextmenu', (e) => e.preventDefault()); // the right button erases
    this.render();
  }

  /** The layer the brush paints on. */
  get layer(): SketchLayer {
    return this.editing;
  }
  set layer(l: SketchLayer) {
    this.editing = l;
    this.render(); // the tint follows the layer being edited
  }

  get maskIsEmpty(): boolean {
    return !this.mask.some((v) => v > 0);
  }
  get sketchIsEmpty(): boolean {
    return !this.sketch.some((v) => v > 0);
  }

  /** Clears the layer being edited (the other one stays). */
  clearLayer(): void {
    (this.layer === 'sketch' ? this.sketch : this.mask).fill(0);
    this.changed();
  }

  /** A new starting image (grey in [0, 1], size×size); the mask is cleared, as it was drawn for the old one. */
  setImage(grey: Float32Array): void {
    this.sketch.set(grey);
    this.mask.fill(0);
    this.changed();
  }

  private down(e: PointerEvent): void {
    const otherPointerDrawing = this.stroke !== null && this.stroke.pointerId !== e.pointerId;
    if (otherPointerDrawing || (e.button !== 0 && e.button !== 2 && e.button !== 5)) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.stroke = null; // a new stroke starts here, not at the end of the last one
    this.strokeTo(e);
  }

  private move(e: PointerEvent): void {
    if (e.pointerId !== this.stroke?.pointerId) return;
    if (e.buttons === 0) return void (this.stroke = null); // released where the pad did not hear it
    // Fast pens and touch deliver several positions per event; each one is a segment of the stroke.
    const points = e.getCoalescedEvents?.() ?? [];
    for (const p of points.length ? points : [e]) this.strokeTo(p, e);
  }

  /** Stamps the brush along the segment from the last point to this one (spaced at a third of the radius). */
  private strokeTo(p: PointerEvent, buttonsFrom: PointerEvent = p): void {
    const r = this.canvas.getBoundingClientRect();
    const x = ((p.clientX - r.left) / r.width) * this.size;
    const y = ((p.clientY - r.top) / r.height) * this.size;
    const erase = this.mode === 'erase' || (buttonsFrom.buttons & (2 | PEN_ERASER)) !== 0;
    const from = this.stroke ?? { x, y };
    const n = Math.max(1, Math.ceil(Math.hypot(x - from.x, y - from.y) / (this.radius / 3)));
    for (let k = 1; k <= n; k++) this.stamp(from.x + ((x - from.x) * k) / n, from.y + ((y - from.y) * k) / n, erase);
    this.stroke = { pointerId: buttonsFrom.pointerId, x, y };
    this.changed();
  }

  /**
   * One brush dab centred at (cx, cy) in model pixels. The sketch brush is soft at its rim (MNIST strokes
   * are anti-aliased); the mask brush is hard, so each pixel is plainly kept or regenerated.
   */
  private stamp(cx: number, cy: number, erase: boolean): void {
    const target = this.layer === 'sketch' ? this.sketch : this.mask;
    const soft = this.layer === 'sketch';
    const reach = Math.ceil(this.radius + 1);
    for (let py = Math.max(0, Math.floor(cy) - reach); py <= Math.min(this.size - 1, Math.floor(cy) + reach); py++) {
      for (let px = Math.max(0, Math.floor(cx) - reach); px <= Math.min(this.size - 1, Math.floor(cx) + reach); px++) {
        const d = Math.hypot(px + 0.5 - cx, py + 0.5 - cy);
        const cover = soft ? Math.min(1, Math.max(0, this.radius + 0.5 - d)) : d <= this.radius ? 1 : 0;
        if (cover === 0) continue;
        const i = py * this.size + px;
        target[i] = erase ? Math.min(target[i], 1 - cover) : Math.max(target[i], cover);
      }
    }
  }

  private changed(): void {
    this.render();
    this.onChange();
  }

  /** Grey sketch, the mask tinted red over it (stronger while the mask is being edited). */
  private render(): void {
    const tint = this.layer === 'mask' ? 0.55 : 0.35;
    const d = this.pixels.data;
    for (let i = 0; i < this.sketch.length; i++) {
      const g = 255 * this.sketch[i];
      const m = tint * this.mask[i];
      d[4 * i] = g * (1 - m) + 230 * m;
      d[4 * i + 1] = g * (1 - m) + 40 * m;
      d[4 * i + 2] = g * (1 - m) + 60 * m;
      d[4 * i + 3] = 255;
    }
    this.canvas.getContext('2d')!.putImageData(this.pixels, 0, 0);
  }
}
