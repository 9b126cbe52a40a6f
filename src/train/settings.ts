// Training settings in one place: the defaults (DEFAULT_TRAIN) and the settings a checkpoint was trained
// with, so `npm run train --resume`, the page's Upload and its reload-and-resume all continue a run with
// the batch, learning rate, seed (the Philox key: with the step it fixes every batch and noise draw) and
// recipe it had, rather than with whatever the defaults are today.
import { DEFAULT_TRAIN, type TrainConfig } from './trainer.ts';
import type { CheckpointMeta } from '../io/checkpoint.ts';

/** The TrainConfig keys a checkpoint records (its `train` metadata). */
export const SAVED_TRAIN_KEYS = ['batch', 'lr', 'weightDecay', 'emaDecay', 'seed', 'labelDropout', 'lrSchedule', 'emaWarmup', 'minSnrGamma'] as const;

/**
 * The settings `meta`'s run trained with. Keys an older file lacks take the default, except the EMA
 * warm-up, which did not exist then: those runs had none, and turning it on mid-run would change the average.
 */
export function savedTrainConfig(meta: CheckpointMeta): TrainConfig {
  const saved = (meta.train ?? {}) as Partial<Record<(typeof SAVED_TRAIN_KEYS)[number], unknown>>;
  const cfg: TrainConfig = { ...DEFAULT_TRAIN, emaWarmup: false, schedule: meta.schedule };
  for (const k of SAVED_TRAIN_KEYS) if (saved[k] !== undefined) (cfg as unknown as Record<string, unknown>)[k] = saved[k];
  return cfg;
}
