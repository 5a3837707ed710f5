/**
 * The filesystem an image's layers make, built entry by entry, layer by layer,
 * in memory (names, types, modes, link targets, and where each file's bytes
 * are, never the bytes): OCI whiteouts applied, and every entry that could
 * reach outside the root refused with a warning (see extract.ts).
 */
import type { TarHeader } from './tar-header';
import type { ExtractBudget } from './extract-limits';

export interface Meta {
  mode: number;
  uid: number;
  gid: number;
  uname?: string;
  gname?: string;
  mtime: number;
  /** Extended attributes (SCHILY.xattr.* PAX records), carried through. */
  xattrs?: Record<string, string>;
}

/** Where a file's bytes are: the `ordinal`-th entry of layer `layer`. Shared by hardlinks to the same file. */
export interface Content {
  layer: number;
  ordinal: number;
  size: number;
}

export interface Node {
  kind: 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo';
  meta: Meta;
  /** The layer that laid this node down. */
  layer: number;
  /** The last layer that laid down this node or anything below it (what opaque directories keep). */
  touched: number;
  children?: Map<string, Node>;
  linkname?: string;
  content?: Content;
  devmajor?: number;
  devminor?: number;
}

/** A name for a warning: bounded, control characters made visible. */
export function quote(name: string): string {
  const cut = name.length > 120 ? `${name.slice(0, 120)}…` : name;
  return JSON.stringify(cut);
}

/** Longest name or link target accepted: Linux's PATH_MAX (and it keeps the tree's depth bounded). */
const MAX_PATH = 4096;

/** A name's components with `.` and empty ones dropped (so a leading `/` goes); undefined when it has `..`. */
function components(name: string): string[] | undefined {
  if (name.includes('\0')) return undefined;
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    parts.push(part);
  }
  return parts;
}

/** Why a symlink at `parent/…` pointing at `target` escapes the root, or undefined when it stays inside. */
function symlinkEscape(parent: string[], target: string): string | undefined {
  if (target === '') return 'has an empty target';
  if (target.includes('\0')) return 'has a target with a NUL byte';
  // Absolute targets resolve inside the image's root (as the container sees it): `..` cannot climb above `/`.
  if (target.startsWith('/')) return undefined;
  let depth = parent.length;
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (--depth < 0) return `points outside the root (${quote(target)})`;
    } else depth++;
  }
  return undefined;
}

function metaOf(h: TarHeader): Meta {
  let xattrs: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(h.pax ?? {})) {
    if (key.startsWith('SCHILY.xattr.')) (xattrs ??= {})[key] = value;
  }
  return {
    mode: (h.mode ?? 0o644) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    ...(h.uname ? { uname: h.uname } : {}),
    ...(h.gname ? { gname: h.gname } : {}),
    mtime: h.mtime ?? 0,
    ...(xattrs ? { xattrs } : {}),
  };
}

/** The final tree of the image, built entry by entry, layer by layer. */
export class Tree {
  readonly root: Node = { kind: 'dir', meta: { mode: 0o755, uid: 0, gid: 0, mtime: 0 }, layer: -1, touched: -1, children: new Map() };

  constructor(private readonly warn: (message: string) => void, private readonly budget: ExtractBudget) {}

  /** Walks `parts` through existing directories: the node, `missing`, or why the walk is blocked. */
  private walk(parts: string[]): { node: Node } | { missing: true } | { blocked: string } {
    let node = this.root;
    for (let i = 0; i < parts.length; i++) {
      const next = node.children!.get(parts[i]!);
      if (!next) return { missing: true };
      if (next.kind !== 'dir') {
        const at = quote(parts.slice(0, i + 1).join('/'));
        return { blocked: next.kind === 'symlink' ? `goes through the symlink ${at}` : `goes through ${at}, which is not a directory` };
      }
      node = next;
    }
    return { node };
  }

  /** The parent directory for a new entry, creating missing directories; a reason when an ancestor is not a directory. */
  private parentFor(parts: string[], layer: number, mtime: number): Node | string {
    // Check the whole path before creating anything: a refused entry leaves no trace.
    const found = this.walk(parts);
    if ('blocked' in found) return found.blocked;
    let node = this.root;
    node.touched = layer;
    for (const part of parts) {
      let next = node.children!.get(part);
      if (!next) {
        // A directory the path implies is an entry too: a deep path must not cost unbounded memory.
        this.budget.entry(`layer ${layer + 1}`);
        next = { kind: 'dir', meta: { mode: 0o755, uid: 0, gid: 0, mtime }, layer, touched: layer, children: new Map() };
        node.children!.set(part, next);
      }
      next.touched = layer;
      node = next;
    }
    return node;
  }

  /** Hides what lower layers put in `dir`, keeping what `layer` itself laid down. */
  private prune(dir: Node, layer: number): void {
    for (const [name, child] of dir.children!) {
      if (child.touched < layer) dir.children!.delete(name);
      else if (child.kind === 'dir') this.prune(child, layer);
    }
  }

  apply(layer: number, ordinal: number, h: TarHeader): void {
    const label = `layer ${layer + 1}`;
    this.budget.entry(label);
    const refuse = (reason: string): void => this.warn(`${label}: skipped ${quote(h.name)}: ${reason}`);
    if (h.name.length > MAX_PATH || (h.linkname?.length ?? 0) > MAX_PATH) return refuse(`its name or link target is longer than ${MAX_PATH} characters`);
    const parts = components(h.name);
    if (!parts) return refuse(h.name.includes('\0') ? 'its name has a NUL byte' : 'its path climbs out of the root (..)');
    // Old tars mark directories with a trailing slash on a plain-file header.
    const type = h.typeflag === '\0' && h.name.endsWith('/') ? 'directory' : h.type;
    if (parts.length === 0) {
      if (type !== 'directory') refuse('it names the root');
      return;
    }
    const base = parts.at(-1)!;
    const parentParts = parts.slice(0, -1);

    if (base.startsWith('.wh.')) {
      const found = this.walk(parentParts);
      if ('blocked' in found) return refuse(`whiteout ${found.blocked}`);
      if ('missing' in found) return;
      const dir = found.node;
      if (base === '.wh..wh..opq') return this.prune(dir, layer);
      if (base.startsWith('.wh..wh.')) return refuse('unsupported special whiteout');
      const victimName = base.slice(4);
      if (victimName === '' || victimName === '.' || victimName === '..') return refuse('invalid whiteout');
      const victim = dir.children!.get(victimName);
      if (!victim) return;
      // Whiteouts hide lower layers only: what this layer laid down stays.
      if (victim.touched < layer) dir.children!.delete(victimName);
      else if (victim.kind === 'dir') this.prune(victim, layer);
      return;
    }

    const meta = metaOf(h);
    let node: Node;
    switch (type) {
      case 'directory':
        node = { kind: 'dir', meta, layer, touched: layer, children: new Map() };
        break;
      case 'file':
        node = { kind: 'file', meta, layer, touched: layer, content: { layer, ordinal, size: h.size } };
        break;
      case 'symlink': {
        const escape = symlinkEscape(parentParts, h.linkname ?? '');
        if (escape) return refuse(`symlink ${escape}`);
        node = { kind: 'symlink', meta, layer, touched: layer, linkname: h.linkname! };
        break;
      }
      case 'link': {
        const targetParts = components(h.linkname ?? '');
        if (!targetParts || targetParts.length === 0) return refuse(`hardlink to ${quote(h.linkname ?? '')}, outside the root`);
        const found = this.walk(targetParts.slice(0, -1));
        if ('blocked' in found) return refuse(`hardlink target ${found.blocked}`);
        const target = 'node' in found ? found.node.children!.get(targetParts.at(-1)!) : undefined;
        if (!target) return refuse(`hardlink to ${quote(h.linkname!)}, which the image does not have`);
        if (target.kind !== 'file') return refuse(`hardlink to ${quote(h.linkname!)}, which is not a regular file`);
        // A hardlink is the same file: same content and inode metadata, even if the target is replaced later.
        node = { kind: 'file', meta: target.meta, layer, touched: layer, content: target.content! };
        break;
      }
      case 'char':
      case 'block':
        node = { kind: type, meta, layer, touched: layer, devmajor: h.devmajor ?? 0, devminor: h.devminor ?? 0 };
        break;
      case 'fifo':
        node = { kind: 'fifo', meta, layer, touched: layer };
        break;
      default:
        return refuse(`unsupported entry type ${JSON.stringify(h.typeflag ?? '?')}`);
    }

    const parent = this.parentFor(parentParts, layer, meta.mtime);
    if (typeof parent === 'string') return refuse(parent);
    const existing = parent.children!.get(base);
    if (node.kind === 'dir' && existing?.kind === 'dir') {
      // A directory over a directory merges: new metadata, children kept.
      existing.meta = node.meta;
      existing.layer = layer;
      existing.touched = layer;
      return;
    }
    // Anything else replaces what was there (a directory with everything below it).
    parent.children!.set(base, node);
  }
}

export function headerFor(path: string, node: Node): TarHeader {
  const m = node.meta;
  const common = {
    mode: m.mode,
    uid: m.uid,
    gid: m.gid,
    mtime: m.mtime,
    ...(m.uname ? { uname: m.uname } : {}),
    ...(m.gname ? { gname: m.gname } : {}),
    ...(m.xattrs ? { pax: m.xattrs } : {}),
  };
  switch (node.kind) {
    case 'dir':
      return { name: `${path}/`, type: 'directory', size: 0, ...common };
    case 'symlink':
      return { name: path, type: 'symlink', size: 0, linkname: node.linkname!, ...common };
    case 'char':
    case 'block':
      return { name: path, type: node.kind, size: 0, devmajor: node.devmajor ?? 0, devminor: node.devminor ?? 0, ...common };
    case 'fifo':
      return { name: path, type: 'fifo', size: 0, ...common };
    case 'file':
      return { name: path, type: 'file', size: node.content!.size, ...common };
  }
}
