// npm run export -- --checkpoint runs/x/checkpoint.safetensors --out pretrained/NAME.safetensors [--no-ema] [--about FILE.json]
// Writes a model-only file (the EMA weights as `model.*`, no optimizer state) for shipping: about a quarter of
// a training checkpoint's size. `--about` adds a JSON object of facts (image-gradients, wall time…) to the
// metadata; given a model-only file, `--about` renews those facts and copies the weights as they are. Runs
// on the CPU: no GPU work.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { runCli, UsageError } from './common.ts';
import { CHECKPOINT_FORMAT, readCheckpointMeta } from '../src/io/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../src/io/safetensors.ts';
import { readFileBytes, writeFileAtomic } from '../src/io/checkpoint-node.ts';

const USAGE = 'npm run export -- --checkpoint FILE --out FILE.safetensors [--no-ema] [--about FILE.json]   (a model-only FILE: --about renews its facts)';

await runCli(USAGE, async () => {
  const o = new Command()
    .name('export')
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .option('--checkpoint <file>', 'training checkpoint (safetensors) to export from')
    .option('--out <file>', 'model-only safetensors file to write')
    .option('--no-ema', 'export the raw weights instead of the EMA')
    .option('--about <file>', 'JSON object with facts about the run, stored in the metadata')
    .parse(process.argv)
    .opts();
  if (!o.checkpoint) throw new UsageError('--checkpoint is required');
  if (!o.out || !String(o.out).endsWith('.safetensors')) throw new UsageError(`--out must be a .safetensors file, got "${o.out ?? ''}"`);
  let about: Record<string, unknown> | undefined;
  if (o.about) {
    try {
      about = JSON.parse(readFileSync(o.about, 'utf8'));
    } catch (e) {
      throw new UsageError(`--about ${o.about}: not a readable JSON file (${(e as Error).message})`);
    }
  }
  const bytes = readFileBytes(o.checkpoint, 'checkpoint');
  const meta = readCheckpointMeta(bytes, o.checkpoint);
  // A model-only file can only have its facts renewed (--about): its weights are copied as they are.
  const renew = meta.contents === 'model';
  if (renew && !about) throw new UsageError(`--checkpoint ${o.checkpoint} is already a model-only file (give --about to renew its facts)`);
  if (renew && !o.ema) throw new UsageError(`--no-ema: ${o.checkpoint} is a model-only file; its weights are copied as they are`);
  const file = decodeSafetensors(bytes);
  const prefix = renew ? 'model.' : o.ema ? 'ema.' : 'model.';
  const tensors: NamedTensor[] = [...file.tensors.values()]
    .filter((t) => t.name.startsWith(prefix))
    .map((t) => ({ ...t, name: `model.${t.name.slice(prefix.length)}` }));
  const weights = renew ? file.metadata.weights : o.ema ? 'ema' : 'raw';
  const out = encodeSafetensors(tensors, {
    ...file.metadata, format: CHECKPOINT_FORMAT, contents: 'model', ...(weights ? { weights } : {}), ...(about ? { about: JSON.stringify(about) } : {}),
  });
  writeFileAtomic(o.out, out);
  console.log(`${tensors.length} tensors (${weights === 'ema' ? 'EMA' : weights === 'raw' ? 'raw' : 'unrecorded'} weights, step ${meta.step}${renew ? ', facts renewed' : ''}) → ${o.out} (${(out.length / 1024).toFixed(0)} KiB)`);
});
