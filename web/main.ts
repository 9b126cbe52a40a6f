// The in-browser trainer: the same engine and TrainingSession as `npm run train`, on navigator.gpu. This
// entry checks WebGPU, loads the digits (the default training set), the classifier and the kernel variants, then hands over to the page
// (web/page.ts: device and panels; web/training.ts, web/samples.ts and web/sketch-panel.ts: the panels;
// web/wire.ts: the buttons).
import { webgpuProblem } from '../src/platform/browser.ts';
import { adapterLine } from '../src/runtime/device.ts';
import { decodeMnistBinary } from '../src/data/mnist-binary.ts';
import { splitDigits } from '../src/data/split.ts';
import { DEFAULT_SAMPLING, formatGuidanceInterval } from '../src/diffusion/sampler.ts';
import { $, setStatus, setText, showError } from './dom.ts';
import { showDefaults } from './controls.ts';
import { newGpu, Page } from './page.ts';
import { fetchBytes, offerSavedRun, wireDataset, wireSamples, wireSketch, wireTraining } from './wire.ts';

async function init(): Promise<void> {
  const problem = await webgpuProblem();
  if (problem) {
    $('adapter').textContent = 'WebGPU unavailable';
    showError(problem);
    document.querySelectorAll('button, input, select').forEach((e) => ((e as HTMLInputElement).disabled = true));
    return;
  }
  showDefaults();
  // The sampling settings that scored best on the shipped model (docs/sampling.md).
  $('steps').value = String(DEFAULT_SAMPLING.steps);
  $('eta-in').value = String(DEFAULT_SAMPLING.eta);
  $('guidance').value = String(DEFAULT_SAMPLING.guidance);
  $('guidanceInterval').value = formatGuidanceInterval(DEFAULT_SAMPLING.guidanceInterval);
  $<HTMLSelectElement>('sampler').value = DEFAULT_SAMPLING.sampler;
  setStatus('loading MNIST…');
  const mnist = await fetch('/mnist.bin');
  if (!mnist.ok) throw new Error(`could not load /mnist.bin (${mnist.status})`);
  const split = splitDigits(decodeMnistBinary(await mnist.arrayBuffer()));
  setStatus('measuring kernel variants for this adapter…');
  const gpu = await newGpu();
  $('adapter').textContent = `adapter: ${adapterLine(gpu.adapterInfo)}`;
  if (!gpu.hasTimestamps) setText('timingHint', 'This adapter has no timestamp-query feature: per-kernel GPU times (and GPU ms/step) are unavailable.');
  const page = new Page(gpu, split.train, split.test);
  window.webgpuDiffusion = page.probe();
  const clf = await fetchBytes('/classifier.safetensors');
  if (clf) {
    try {
      page.samples.useClassifier(clf, 'classifier');
    } catch (e) {
      setText('scores', `classifier file refused: ${(e as Error).message}`);
    }
  }
  wireTraining(page);
  wireDataset(page);
  wireSamples(page);
  wireSketch(page);
  page.training.setState('idle');
  setStatus(`${split.train.count} training digits loaded (${split.test.count} held out); kernels: ${gpu.policy.describe()}. Press Start.`);
  await offerSavedRun(page);
}

init().catch((e) => showError(`Could not start: ${(e as Error).message}`));
