// `npm run train -- --dataset …` end to end: bad sets and models that do not fit them are one-line errors
// before any GPU work; a folder of RGB images trains an RGB model, its checkpoint records the set, its grid is
// in colour, and --resume goes on with the recorded set.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readCheckpointMeta } from '../src/io/checkpoint.ts';
import { folderOf, GREY, pngBytes, RED, shapesFolder } from './image-fixtures.ts';

const tsx = join('node_modules', '.bin', 'tsx');
const train = (...args: string[]) => spawnSync(tsx, ['cli/train.ts', ...args], { encoding: 'utf8' });

describe('train --dataset', () => {
  it('bad sets, flags and mismatched models are refused in one line before any GPU work', () => {
    const out = mkdtempSync(join(tmpdir(), 'wd-dsout-'));
    const empty = mkdtempSync(join(tmpdir(), 'wd-empty-'));
    const text = folderOf({ 'a.txt': 'hello' });
    const greyUnlabelled = folderOf({ 'a.png': pngBytes(4, 4, () => GREY) });
    const rgb = folderOf({ 'a.png': pngBytes(4, 4, () => RED) });
    const cases: [string[], RegExp][] = [
      [['--dataset', empty], new RegExp(`^error: --dataset ${empty}: the folder holds no files\\n`)],
      [['--dataset', text], new RegExp(`^error: --dataset ${text}: no usable image in the folder \\(1 file skipped; a\\.txt: not a PNG or JPEG image\\)\\n`)],
      [['--dataset', join(empty, 'nope')], /^error: --dataset .*nope: no such folder or file \(expected mnist, fashion-mnist, a folder or a \.zip of images\)\n/],
      [['--dataset', 'package.json'], /^error: --dataset package\.json: not a folder or a \.zip file of images\n/],
      [['--channels', '3'], /^error: --channels applies to a folder or \.zip of images; mnist is grey \(1 channel\)\n/],
      [['--dataset', text, '--channels', '2'], /^error: --channels must be one of 1, 3, got "2"\n/],
      [['--dataset', 'fashion-mnist', '--config', 'test'], /^error: --dataset fashion-mnist: fashion-mnist images are 28×28 but the model takes 8×8/],
      [['--from', 'mnist-tiny', '--dataset', rgb], /^error: --dataset .*: its images are RGB \(3 channels\) but the model of --from takes grey \(1 channel\) \(--channels 1 loads them as grey\)\n/],
      [['--from', 'mnist-tiny', '--dataset', greyUnlabelled], /^error: --dataset .*: the model of --from is class-conditional with 10 classes but the dataset has no classes \(no class subfolders\)\n/],
    ];
    for (const [args, want] of cases) {
      const r = train(...args, '--out', out);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(want);
      expect(r.stdout, args.join(' ')).not.toMatch(/adapter:/); // no GPU was set up
    }
  });

  it('a folder of RGB images trains an RGB model whose checkpoint records the set; --resume goes on with it', () => {
    const data = shapesFolder();
    const out = mkdtempSync(join(tmpdir(), 'wd-dstrain-'));
    const common = ['--config', 'test', '--batch', '2', '--sample-steps', '2', '--loss-every', '1', '--no-autotune', '--out', out];
    const first = spawnSync(tsx, ['cli/train.ts', '--dataset', data, '--steps', '1', ...common], { encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain(`warning: skipped ${join(data, 'blues/broken.png')}: damaged PNG file`);
    expect(first.stderr).toContain(`warning: skipped ${join(data, 'blues/notes.txt')}: not a PNG or JPEG image`);
    expect(first.stdout).toMatch(/4 images of wd-data-\w+ \(8×8 RGB, 2 classes\)/);
    const ck = join(out, 'checkpoint.safetensors');
    const meta = readCheckpointMeta(new Uint8Array(readFileSync(ck)));
    expect([meta.config.inChannels, meta.config.classes]).toEqual([3, 2]);
    expect(meta.dataset).toEqual({ name: expect.stringMatching(/^wd-data-/), kind: 'folder', source: data, count: 4, channels: 3, size: 8, classNames: ['blues', 'reds'] });
    // The grid is in colour: some pixel has R ≠ G.
    const grid = PNG.sync.read(readFileSync(join(out, 'samples_step000001.png')));
    expect(grid.data.some((v, i) => i % 4 === 0 && v !== grid.data[i + 1])).toBe(true);
    // No --dataset: the recorded folder, loaded as the model's channels.
    const resumed = execFileSync(tsx, ['cli/train.ts', '--resume', ck, '--steps', '2', ...common], { encoding: 'utf8', stdio: 'pipe' });
    expect(resumed).toMatch(/resumed .* at step 1/);
    expect(resumed).toMatch(/4 images of wd-data-\w+ \(8×8 RGB, 2 classes\)/);
    expect(readCheckpointMeta(new Uint8Array(readFileSync(ck))).step).toBe(2);
  });
});
