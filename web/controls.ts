// The training controls: what they say as settings (validated, one-line errors), setting them from a
// loaded run, and which of them a running model cannot take without a Reset. Defaults come from
// DEFAULT_TRAIN, the same object `npm run train` uses.
import { PRESETS, type UNetConfig } from '../src/model/config.ts';
import { DEFAULT_TRAIN, type TrainConfig } from '../src/train/trainer.ts';
import type { LiveSettings } from '../src/train/session.ts';
import type { PredictionType, ScheduleConfig } from '../src/diffusion/schedule.ts';
import { $, positiveInt, readNumber, val } from './dom.ts';

/** Controls that fix the model or its objective: a change needs a new model (Reset). */
export const MODEL_CONTROLS = ['preset', 'conditional', 'schedule', 'prediction'] as const;
/** Controls the running trainer takes at the next step (it is rebuilt at the same step). */
export const LIVE_CONTROLS = ['batch', 'lr', 'minSnr'] as const;

export function modelFromControls(): { preset: string; config: UNetConfig; schedule: ScheduleConfig } {
  const preset = val('preset');
  if (!PRESETS[preset]) throw new Error(`preset "${preset}" came from an uploaded checkpoint; choose ${Object.keys(PRESETS).join(' or ')} for a new model`);
  const config = { ...PRESETS[preset] };
  if (!($('conditional') as HTMLInputElement).checked) config.classes = 0;
  const schedule: ScheduleConfig = {
    numTrainTimesteps: 1000, betaSchedule: val('schedule') as ScheduleConfig['betaSchedule'], betaStart: 1e-4, betaEnd: 0.02,
    predictionType: val('prediction') as PredictionType,
  };
  return { preset, config, schedule };
}

/**
 * The settings the page has controls for. Only these go to a running session: a resumed run keeps its own
 * label dropout and weight decay (the page has no controls for them).
 */
export function liveFromControls(): Pick<LiveSettings, 'batch' | 'lr' | 'minSnrGamma'> {
  const batch = readNumber('batch', 'batch', (n) => positiveInt(n) && n <= 512, 'an integer from 1 to 512');
  const lr = readNumber('lr', 'learning rate', (n) => n > 0 && n < 1, 'a number in (0, 1)');
  const minSnr = readNumber('minSnr', 'min-SNR γ', (n) => n >= 0, '0 (off) or positive');
  return { batch, lr, minSnrGamma: minSnr || null };
}

/** A fresh run's settings: the controls over DEFAULT_TRAIN, a random seed (kept in every checkpoint). */
export function trainFromControls(schedule: ScheduleConfig): TrainConfig {
  return { ...DEFAULT_TRAIN, ...liveFromControls(), seed: Math.floor(Math.random() * 2 ** 31), schedule };
}

/** The preset a config is ("custom" when none). */
export function presetOf(config: UNetConfig): string {
  // Conditioning is its own control, and the training set decides the input channels and classes.
  const shape = (c: UNetConfig) => JSON.stringify({ ...c, classes: 0, inChannels: 1 });
  return Object.keys(PRESETS).find((k) => shape(PRESETS[k]) === shape(config)) ?? 'custom';
}

/** Shows a loaded run's settings in the controls, so what they say is what trains. */
export function showSettings(config: UNetConfig, train: TrainConfig): void {
  const preset = presetOf(config);
  const sel = $<HTMLSelectElement>('preset');
  if (!Array.from(sel.options).some((o) => o.value === preset)) sel.add(new Option(preset, preset));
  sel.value = preset;
  ($('conditional') as HTMLInputElement).checked = config.classes > 0;
  $<HTMLSelectElement>('schedule').value = train.schedule.betaSchedule;
  $<HTMLSelectElement>('prediction').value = train.schedule.predictionType ?? 'epsilon';
  $('batch').value = String(train.batch);
  $('lr').value = String(train.lr);
  $('minSnr').value = String(train.minSnrGamma ?? 0);
}

/**
 * Model controls that no longer match the model in training (they take effect at Reset). `setClasses`: the
 * classes of the set a new model would train on (none: it is unconditional whatever the checkbox says).
 */
export function controlsNeedingReset(config: UNetConfig, schedule: ScheduleConfig, setClasses: number): string[] {
  const want = modelFromControls();
  const out: string[] = [];
  const wantConditional = want.config.classes > 0 && setClasses > 0;
  if (want.preset !== presetOf(config)) out.push(`preset ${want.preset}`);
  if (wantConditional !== (config.classes > 0)) out.push(wantConditional ? 'class-conditional' : 'unconditional');
  if (want.schedule.betaSchedule !== schedule.betaSchedule) out.push(`${want.schedule.betaSchedule === 'linear' ? 'linear' : 'cosine'} schedule`);
  if (want.schedule.predictionType !== (schedule.predictionType ?? 'epsilon')) out.push(`${want.schedule.predictionType === 'epsilon' ? 'ε' : 'v'}-prediction`);
  return out;
}

/** The defaults shown before anything is loaded: DEFAULT_TRAIN's batch and learning rate. */
export function showDefaults(): void {
  $('batch').value = String(DEFAULT_TRAIN.batch);
  $('lr').value = String(DEFAULT_TRAIN.lr);
}
