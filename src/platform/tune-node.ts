// Autotune cache for Node: a JSON file under node_modules/.cache (per checkout, survives runs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TuneCache } from '../tune/autotune.ts';

const FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', '.cache', 'webgpu-diffusion', 'autotune.json');

export function nodeTuneCache(): TuneCache {
  const load = (): Record<string, string> => {
    try {
      return existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : {};
    } catch {
      return {};
    }
  };
  return {
    get: (k) => load()[k] ?? null,
    set: (k, v) => {
      const all = load();
      all[k] = v;
      mkdirSync(dirname(FILE), { recursive: true });
      writeFileSync(FILE, JSON.stringify(all, null, 1));
    },
  };
}
