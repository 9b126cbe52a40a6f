// What the buttons do: the Training panel's (start, pause, reset, download, upload, the shipped model, the
// controls that apply at once, the training set: your images picked or dropped, or MNIST), the Samples
// panel's (sample now, classifier), the Sketch panel's (layer, brush, clear, upload, run), and the offer to
// resume the run this browser saved last.
import { DEFAULT_SAMPLING } from '../src/diffusion/sampler.ts';
import { readCheckpointMeta } from '../src/io/checkpoint.ts';
import type { DatasetRecord } from '../src/data/image-set.ts';
import { $, clearError, download, setStatus, setText, showError, val } from './dom.ts';
import { LIVE_CONTROLS, MODEL_CONTROLS } from './controls.ts';
import type { Page } from './page.ts';
import { requestFromControls } from './samples.ts';
import { clearRun, loadRun } from './store.ts';
import { formatAge, formatBytes } from './format.ts';
import type { BrushMode, SketchLayer } from './sketch.ts';
import { pickedFromDrop, pickedFromInput } from './picked-files.ts';

export async function fetchBytes(url: string): Promise<Uint8Array | null> {
  const res = await fetch(url);
  return res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
}

/** The file chosen in an <input type=file>, read, and the input cleared so the same file can be chosen again. */
async function chosenFile(id: string): Promise<{ name: string; bytes: Uint8Array } | null> {
  const input = $(id) as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return null;
  input.value = '';
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

export function wireTraining(page: Page): void {
  const t = page.training;
  $('start').onclick = () => {
    clearError();
    try {
      t.start();
    } catch (e) {
      showError((e as Error).message);
    }
  };
  $('pause').onclick = () => void t.pause().then(() => setStatus(`paused at step ${t.current?.step ?? 0}; saved in this browser (a reload offers to resume)`));
  $('reset').onclick = page.guard(async () => {
    await t.reset();
    setStatus('reset: the run and its GPU memory are gone; the next Start builds a new model from the settings above');
  });
  for (const id of [...MODEL_CONTROLS, ...LIVE_CONTROLS, 'target', 'gridEvery', 'autosaveEvery']) {
    $(id).addEventListener('change', () => {
      try {
        t.controlsChanged();
      } catch (e) {
        showError((e as Error).message);
      }
    });
  }
  $('download').onclick = page.guard(async () => {
    const s = t.current;
    if (!s) throw new Error('nothing to download yet: start training or load a model first');
    const bytes = await s.checkpoint();
    download(bytes, `ddpm-${val('preset')}-step${s.step}.safetensors`);
    setStatus(`checkpoint of step ${s.step} downloaded (${formatBytes(bytes.length)})`);
  });
  $('upload').onchange = page.guard(async () => {
    const f = await chosenFile('upload');
    if (!f) return;
    try {
      const s = await t.adopt({ bytes: f.bytes, kind: 'resume' });
      // A model goes on with any set of its shape (as the CLI's --resume --dataset): say when that is another one.
      const trainedOn = readCheckpointMeta(f.bytes).dataset?.name ?? 'mnist';
      const goesOn = s.spec.dataset?.name ?? 'mnist';
      const other = trainedOn !== goesOn ? ` (it trained on ${trainedOn}; it goes on with ${goesOn})` : '';
      setStatus(`loaded ${f.name}: step ${s.step}, ${s.model.params.count.toLocaleString('en')} parameters; Resume goes on from there${other}`);
    } catch (e) {
      throw new Error(`Upload refused, the current model is unchanged: ${(e as Error).message}`);
    }
  });
  $('load-pretrained').onclick = page.guard(async () => {
    const names: string[] = await fetch('/pretrained/index.json').then((r) => (r.ok ? r.json() : []));
    if (!names.length) throw new Error('no pretrained model is served with this page (pretrained/*.safetensors missing at build time)');
    const bytes = await fetchBytes(`/pretrained/${names[0]}.safetensors`);
    if (!bytes) throw new Error(`could not load /pretrained/${names[0]}.safetensors`);
    const meta = readCheckpointMeta(bytes);
    const s = await t.adopt({ bytes, kind: 'weights' });
    setStatus(`loaded the pretrained model ${names[0]}; sampling…`);
    await page.samples.grid(s, { ...DEFAULT_SAMPLING, seed: Number(val('seed')) || 0, digit: 'all' });
    setStatus(`pretrained model ${names[0]}: ${meta.step} training steps${meta.adapter?.kind ? ` on ${meta.adapter.kind}` : ''}; Start continues training from it (fresh optimizer)`);
  });
}

/** "Train on your images": the two file inputs, the drop zone, the grey/RGB choice and "Use MNIST". */
export function wireDataset(page: Page): void {
  const ds = page.dataset;
  for (const id of ['imagesPick', 'imagesFolder']) {
    $(id).onchange = page.guard(async () => {
      const input = $(id) as HTMLInputElement;
      const picked = pickedFromInput(input);
      input.value = ''; // the same files can be chosen again
      await ds.choose(picked);
    });
  }
  $('imagesChannels').onchange = page.guard(() => ds.channelsChanged());
  $('useMnist').onclick = page.guard(async () => ds.useMnist());
  const zone = $('imagesDrop');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault(); // without it the browser opens the dropped file instead
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (!e.dataTransfer) return;
    // The drop's items must be taken now, inside the event: pickedFromDrop does so before its first await.
    const picked = pickedFromDrop(e.dataTransfer);
    picked.catch(() => undefined); // reported by the guard below, unless another action is in progress
    page.guard(async () => ds.choose(await picked))();
  });
}

export function wireSamples(page: Page): void {
  const sp = page.samples;
  $('sample').onclick = page.guard(async () => {
    const s = page.training.current;
    if (!s) throw new Error('no model yet: start training, upload a checkpoint or load the pretrained model first');
    const r = requestFromControls();
    await page.aside(async () => {
      await sp.grid(s, r);
      await sp.film(s, r);
    });
    setStatus(`sampled with ${r.sampler}, ${r.steps} steps`);
  });
  $('train-clf').onclick = page.guard(() => page.aside(() => sp.trainClassifier()));
  $('download-clf').onclick = page.guard(async () => download(sp.classifierDownload(), 'mnist-classifier.safetensors'));
  $('upload-clf').onchange = page.guard(async () => {
    const f = await chosenFile('upload-clf');
    if (!f) return;
    try {
      sp.useClassifier(f.bytes, `classifier ${f.name}`);
    } catch (e) {
      throw new Error(`Classifier refused, the current one is unchanged: ${(e as Error).message}`);
    }
  });
}

export function wireSketch(page: Page): void {
  const sk = page.sketch;
  const checked = (name: string) => (document.querySelector(`input[name="${name}"]:checked`) as HTMLInputElement).value;
  const readBrush = () => {
    sk.pad.layer = checked('sketchLayer') as SketchLayer;
    sk.pad.mode = checked('sketchBrush') as BrushMode;
    sk.pad.radius = Number(val('sketchSize'));
    sk.showPlan();
  };
  document.querySelectorAll('input[name="sketchLayer"], input[name="sketchBrush"], #sketchSize').forEach((e) => e.addEventListener('change', readBrush));
  readBrush();
  $('sketchClear').onclick = () => sk.pad.clearLayer();
  $('sketchUpload').onchange = page.guard(async () => {
    const input = $('sketchUpload') as HTMLInputElement;
    const file = input.files?.[0];
    input.value = ''; // the same file can be chosen again
    if (file) setStatus(await sk.upload(file));
  });
  $('sketchRun').onclick = page.guard(async () => {
    const s = page.training.current;
    if (!s) throw new Error('no model yet: load the pretrained model, upload a checkpoint or start training first');
    const r = requestFromControls();
    let line = '';
    await page.aside(async () => {
      line = await sk.run(s, r);
    });
    setStatus(line);
  });
}

/** After a reload (or a crash): offer the run this browser saved last. */
export async function offerSavedRun(page: Page): Promise<void> {
  const saved = await loadRun().catch(() => null);
  if (!saved) return;
  let set: DatasetRecord | undefined;
  try {
    set = readCheckpointMeta(saved.bytes).dataset;
  } catch {
    // An unreadable autosave is refused with its reason when resumed.
  }
  const onImages = set && set.kind !== 'mnist' ? ` It trained on ${set.name}: choose those images under "Train on your images" before resuming it.` : '';
  setText('savedRunText', `A run is saved in this browser: ${saved.preset}, step ${saved.step} of ${saved.target}, saved ${formatAge(Date.now() - saved.savedAt)}.${onImages}`);
  $('savedRun').hidden = false;
  $('resumeSaved').onclick = page.guard(async () => {
    const s = await page.training.adopt({ bytes: saved.bytes, kind: 'resume', losses: saved.losses, target: saved.target, runId: saved.runId });
    $('savedRun').hidden = true;
    setStatus(`restored the saved run at step ${s.step}: press Resume to go on`);
  });
  $('discardSaved').onclick = page.guard(async () => {
    await clearRun();
    $('savedRun').hidden = true;
  });
}

