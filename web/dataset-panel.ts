// "Train on your images" in the Training panel: the chosen files (picked, a folder, a .zip, or dropped) read
// into the set the next new model trains on, the grey/RGB choice (auto: grey when every image is), "Use
// MNIST" to go back, the line saying which set is chosen, and the list of files that were skipped and why.
import { PRESETS } from '../src/model/config.ts';
import type { Skipped } from '../src/data/user-images.ts';
import { $, setStatus, setText, val } from './dom.ts';
import type { TrainingPanel } from './training.ts';
import { describeSet, type TrainingSet } from './training-set.ts';
import { readPickedImages, type PickedFile } from './user-images.ts';

export class DatasetPanel {
  /** The files of the set in use (none for MNIST): read again when the grey/RGB choice changes. */
  private picked: PickedFile[] = [];

  constructor(private readonly training: TrainingPanel) {
    this.show(training.chosenSet);
  }

  /** Reads the chosen files into the training set; no usable image is a one-line error and changes nothing. */
  async choose(picked: PickedFile[]): Promise<void> {
    if (!picked.length) return;
    await this.read(picked);
    this.picked = picked;
  }

  /** The grey/RGB choice changed: the same files read again (nothing to do before any were chosen). */
  async channelsChanged(): Promise<void> {
    if (this.picked.length) await this.read(this.picked);
  }

  useMnist(): void {
    this.picked = [];
    this.showSkipped([]);
    this.use(this.training.mnistSet, null);
  }

  private async read(picked: PickedFile[]): Promise<void> {
    const choice = val('imagesChannels');
    const size = this.modelSize();
    setStatus(`reading ${picked.length} file${picked.length > 1 ? 's' : ''}…`);
    const r = await readPickedImages(picked, { size, channels: choice === 'auto' ? undefined : Number(choice) }, (done, n) => {
      if (done % 10 === 0) setStatus(`reading images: ${done} of ${n}…`);
    });
    this.showSkipped(r.skipped);
    if (!r.data) throw new Error(`${r.error}; the training set is still ${this.training.chosenSet.set.name}`);
    this.use(r.data, r.note);
  }

  /** Makes `set` the one a new model trains on, and says so (with the note of a cut, if any). */
  private use(set: TrainingSet, note: string | null): void {
    this.training.useSet(set);
    this.show(set);
    const when = this.training.current ? 'a new model trains on it after Reset' : 'Start trains a new model on it';
    setStatus(`training set: ${describeSet(set.set)}; ${when}${note ? ` (${note})` : ''}`);
  }

  /** The size images are read at: the preset's (a new model's), else the current model's. */
  private modelSize(): number {
    return PRESETS[val('preset')]?.imageSize ?? this.training.current?.model.config.imageSize ?? 28;
  }

  private show(set: TrainingSet): void {
    setText('dataset', describeSet(set.set));
  }

  /** The skipped files, one line each (name and reason); the list hides when there are none. */
  private showSkipped(skipped: Skipped[]): void {
    const list = $('skipped');
    list.replaceChildren(...skipped.map((s) => Object.assign(document.createElement('li'), { textContent: `${s.file}: ${s.reason}` })));
    list.hidden = skipped.length === 0;
    setText('skippedTitle', skipped.length ? `${skipped.length} file${skipped.length > 1 ? 's' : ''} skipped:` : '');
  }
}
