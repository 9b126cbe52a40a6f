// The IDX file format of MNIST and Fashion-MNIST (LeCun's "ubyte" files): two zero bytes, a type code
// (0x08 = unsigned bytes, the only one these sets use), the number of dimensions, each dimension as a
// big-endian u32, then the data in C order. Platform neutral: the caller reads (and un-gzips) the bytes.

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses an unsigned-byte IDX file; `what` names it in errors. */
export function parseIdx(bytes: Uint8Array, what = 'IDX file'): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${what}: not an IDX file (bad magic)`);
  if (bytes[2] !== UBYTE) throw new Error(`${what}: IDX type 0x${bytes[2].toString(16).padStart(2, '0')} is not unsigned bytes (0x08)`);
  const ndims = bytes[3];
  if (ndims < 1 || bytes.length < 4 + 4 * ndims) throw new Error(`${what}: truncated IDX header (${ndims} dimensions)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const start = 4 + 4 * ndims;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count) throw new Error(`${what}: dimensions [${dims.join(', ')}] need ${count} data bytes, the file has ${bytes.length - start}`);
  return { dims, data: bytes.subarray(start) };
}

/** An IDX image file (3 dimensions, square) and its label file (1 dimension), checked against each other. */
export function parseIdxImages(images: Uint8Array, labels: Uint8Array, what: string): { pixels: Uint8Array; labels: Uint8Array; count: number; size: number } {
  const img = parseIdx(images, `${what} images`);
  const lab = parseIdx(labels, `${what} labels`);
  if (img.dims.length !== 3 || img.dims[1] !== img.dims[2]) throw new Error(`${what} images: expected [count, size, size], got [${img.dims.join(', ')}]`);
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) throw new Error(`${what}: ${img.dims[0]} images but labels of shape [${lab.dims.join(', ')}]`);
  return { pixels: img.data, labels: lab.data, count: img.dims[0], size: img.dims[1] };
}
