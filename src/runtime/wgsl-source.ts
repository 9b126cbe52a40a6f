// Shader sources are common.wgsl (Philox, index helpers) followed by one kernel family's file. The join
// leaves a marker line, so compiler messages can be traced back to the file and line they came from.
const MARKER = '// ---- kernel file: ';

/** common.wgsl, then a marker line naming `file`, then the file's text. */
export function joinWithCommon(common: string, file: string, body: string): string {
  return `${common}${common.endsWith('\n') ? '' : '\n'}${MARKER}${file}.wgsl\n${body}`;
}

/** Where line `lineNum` (1-based) of a joined source comes from: `common.wgsl:12` or `conv2d.wgsl:40`. */
export function sourceLocation(source: string, file: string, lineNum: number): string {
  const lines = source.split('\n');
  const marker = lines.findIndex((l) => l.startsWith(MARKER));
  if (marker < 0) return `${file}.wgsl:${lineNum}`; // not joined (a test's own source)
  // The marker is line marker + 1; the file's first line is marker + 2.
  return lineNum <= marker ? `common.wgsl:${lineNum}` : `${file}.wgsl:${lineNum - marker - 1}`;
}
