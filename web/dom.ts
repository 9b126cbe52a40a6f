// Element lookup and the page's message lines (status, error), as plain functions over the document.

export const $ = <T extends HTMLElement = HTMLInputElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page: no element #${id}`);
  return e as T;
};
export const val = (id: string): string => $(id).value;
export const setText = (id: string, text: string): void => void ($(id).textContent = text);

export function showError(msg: string): void {
  const e = $('error');
  e.textContent = msg;
  e.hidden = false;
}

export function clearError(): void {
  $('error').hidden = true;
}

export function setStatus(msg: string): void {
  setText('status', msg);
}

/** A number from an input, or a one-line error naming the field and what it accepts. */
export function readNumber(id: string, what: string, ok: (n: number) => boolean, expect: string): number {
  const raw = val(id).trim();
  const n = Number(raw);
  if (raw === '' || !Number.isFinite(n) || !ok(n)) throw new Error(`${what} must be ${expect}, got "${raw}"`);
  return n;
}

export const positiveInt = (n: number) => Number.isInteger(n) && n >= 1;

/** Gives the event loop a turn without the 1 s floor that timers get in background tabs. */
export function yieldToHost(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

export function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
