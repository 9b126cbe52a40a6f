// Assembles the WGSL the runtime compiles for one kernel file, and maps compiler line numbers back to it.
//
// A kernel file's source is common.wgsl (Philox, index helpers), then each file it includes, in order,
// then the file itself. Includes are named in the file's header (its leading comment and blank lines),
// one per line, exactly:
//
//   // include: attention_shared.wgsl
//
// They exist so the entry points of one family can live in separate files, each with its own bindings
// (one name per binding slot, no access-mode suffixes), while the Params struct, the uniform `p` and
// helpers stay written once. Included files may not include others (no nesting, hence no cycles); a file
// included by several kernel files must only reference bindings every one of them declares.
//
// WGSL wants directives before every declaration: a file's own `enable …;` / `requires …;` lines move to the
// top of the joined source (the line stays, as a comment, so line numbers keep pointing at the file).
//
// Every segment is preceded by a marker line naming its file, so `sourceLocation` can turn a line of the
// joined source into `file.wgsl:line` for compiler messages.

const MARKER = '// ---- wgsl file: ';
const INCLUDE = /^\/\/ include: (\S+\.wgsl)\s*$/;
const ENABLE = /^(enable|requires) [\w, ]+;\s*(\/\/.*)?$/;

/** Shader files by name ("common.wgsl", "attention.wgsl"); `where` says where they are looked up, for errors. */
export interface WgslFiles {
  read(name: string): string | undefined;
  where: string;
}

/** The files `name`'s header includes; an include line after the header is an error (it would be ignored). */
export function includesOf(name: string, text: string): string[] {
  const found: string[] = [];
  let inHeader = true;
  for (const [i, line] of text.split('\n').entries()) {
    const m = INCLUDE.exec(line.trim());
    if (m && !inHeader) throw new Error(`${name}:${i + 1}: "// include:" must be in the file's header, before any code`);
    if (m) found.push(m[1]);
    else if (line.trim() !== '' && !line.trim().startsWith('//')) inHeader = false;
  }
  return found;
}

function mustRead(files: WgslFiles, name: string, includedBy?: string): string {
  const text = files.read(name);
  if (text !== undefined) return text;
  throw new Error(includedBy ? `${includedBy} includes ${name}, which is not found ${files.where}` : `shader ${name} not found ${files.where}`);
}

/** The source the runtime compiles for kernel file `file` (no extension): common.wgsl, includes, the file. */
export function kernelSource(file: string, files: WgslFiles): string {
  const own = `${file}.wgsl`;
  const read = mustRead(files, own);
  const enables = read.split('\n').filter((l) => ENABLE.test(l.trim())).map((l) => l.trim());
  const body = read.split('\n').map((l) => (ENABLE.test(l.trim()) ? `// (moved to the top) ${l.trim()}` : l)).join('\n');
  const segments: [string, string][] = [['common.wgsl', mustRead(files, 'common.wgsl')]];
  for (const inc of includesOf(own, body)) {
    const text = mustRead(files, inc, own);
    if (includesOf(inc, text).length) throw new Error(`${inc} (included by ${own}) includes other files; includes do not nest`);
    segments.push([inc, text]);
  }
  segments.push([own, body]);
  const head = enables.map((e) => `${e}\n`).join('');
  return head + segments.map(([name, text]) => `${MARKER}${name}\n${text}${text.endsWith('\n') ? '' : '\n'}`).join('');
}

/** Where line `lineNum` (1-based) of a joined source comes from: `common.wgsl:12` or `conv2d.wgsl:40`. */
export function sourceLocation(source: string, file: string, lineNum: number): string {
  const lines = source.split('\n');
  // The last marker above the line names its segment; the segment's first line follows the marker.
  for (let m = Math.min(lineNum, lines.length) - 2; m >= 0; m--) {
    if (lines[m].startsWith(MARKER)) return `${lines[m].slice(MARKER.length)}:${lineNum - 1 - m}`;
  }
  return `${file}.wgsl:${lineNum}`; // not joined (a test's own source)
}
