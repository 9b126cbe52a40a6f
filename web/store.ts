// The page's autosave in IndexedDB: the last full checkpoint of the run (the same safetensors bytes as a
// download), its loss history and the run's target, under one key. A reload, a tab crash or a lost device
// resumes from it. Each call opens the database afresh: nothing is cached between calls.

const DB_NAME = 'webgpu-diffusion';
const STORE = 'runs';
const KEY = 'autosave';

export interface SavedRun {
  /** Which run of the page this is (a new one per Start from scratch, upload or shipped model). */
  runId: string;
  /** A full checkpoint (weights, EMA, optimizer moments, step, training settings). */
  bytes: Uint8Array;
  step: number;
  target: number;
  /** Date.now() when saved. */
  savedAt: number;
  /** The loss chart: steps and losses. */
  losses: [number[], number[]];
  /** The preset name the run was started with, for the controls ("custom" when none matches). */
  preset: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`IndexedDB: ${req.error?.message ?? 'cannot open the database'}`));
  });
}

async function withStore<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(new Error(`IndexedDB: ${tx.error?.message ?? 'transaction failed'}`));
    });
  } finally {
    db.close();
  }
}

export async function saveRun(run: SavedRun): Promise<void> {
  await withStore('readwrite', (s) => s.put(run, KEY));
}

/** The saved run, or null when there is none (or it is not one this page wrote). */
export async function loadRun(): Promise<SavedRun | null> {
  const r = (await withStore('readonly', (s) => s.get(KEY))) as SavedRun | undefined;
  return r && r.bytes instanceof Uint8Array && Number.isInteger(r.step) && typeof r.runId === 'string' ? r : null;
}

export async function clearRun(): Promise<void> {
  await withStore('readwrite', (s) => s.delete(KEY));
}
