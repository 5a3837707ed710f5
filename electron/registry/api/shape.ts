/**
 * Reading a registry's JSON into the shapes regdesk shows. What a registry
 * sends is hostile input: every field is checked for its type and bounded in
 * length and count. Optional, display-only fields that are malformed are
 * dropped and a warning says so; nothing is ever passed on raw, so a label
 * nested 200,000 arrays deep or a 5 MB string cannot reach the UI, a log or
 * JSON.stringify.
 */

/** Longest text kept in a displayed field (an env entry, a label, a RUN line); longer text is cut. */
export const MAX_TEXT = 64 * 1024;
/** Most entries kept in a list or map (env, labels, annotations, history, ports). */
export const MAX_ENTRIES = 10_000;
/** Longest key of a map (a label or annotation name). */
const MAX_KEY = 1024;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Collects what was dropped while reading one document, for one warning list
 * per document (`where` names the document, e.g. "config sha256:ab12…").
 */
export class ShapeReader {
  readonly warnings: string[] = [];

  constructor(private readonly where: string) {}

  warn(field: string, what: string): undefined {
    if (this.warnings.length < 20) this.warnings.push(`${this.where}: ${field} ${what}; left out`);
    return undefined;
  }

  /** A string field, cut at MAX_TEXT; absent (undefined or null) is fine, another type is dropped. */
  text(v: unknown, field: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') return this.warn(field, 'is not text');
    if (v.length <= MAX_TEXT) return v;
    this.warnings.push(`${this.where}: ${field} is ${v.length} characters long; cut to ${MAX_TEXT}`);
    return `${v.slice(0, MAX_TEXT)}…`;
  }

  /** A boolean field; another type is dropped. */
  flag(v: unknown, field: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    return typeof v === 'boolean' ? v : this.warn(field, 'is not true or false');
  }

  /** A list of strings: a wrong type drops the whole list (its meaning is in the order), a long one is cut. */
  texts(v: unknown, field: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((e) => typeof e === 'string')) return this.warn(field, 'is not a list of text');
    if (v.length > MAX_ENTRIES) return this.warn(field, `has ${v.length} entries (at most ${MAX_ENTRIES} are shown)`);
    return v.map((e, i) => this.text(e, `${field}[${i}]`) ?? '');
  }

  /** A string-to-string map (labels, annotations): entries of another type are dropped one by one. */
  textMap(v: unknown, field: string): Record<string, string> | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) return this.warn(field, 'is not a map of text');
    const keys = Object.keys(v);
    if (keys.length > MAX_ENTRIES) return this.warn(field, `has ${keys.length} entries (at most ${MAX_ENTRIES} are shown)`);
    const out: Record<string, string> = {};
    let dropped = 0;
    for (const key of keys) {
      const value = v[key];
      if (key.length > MAX_KEY || typeof value !== 'string') {
        dropped++;
        continue;
      }
      // A plain object without a prototype would still let "__proto__" through as a key; defineProperty keeps it a key.
      Object.defineProperty(out, key, { value: this.text(value, `${field}.${key.slice(0, 40)}`), enumerable: true, writable: true, configurable: true });
    }
    if (dropped) this.warn(field, `has ${dropped} entr${dropped === 1 ? 'y that is' : 'ies that are'} not text`);
    return out;
  }

  /** The keys of a map whose values do not matter (ExposedPorts, Volumes). */
  keys(v: unknown, field: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) return this.warn(field, 'is not a map');
    const keys = Object.keys(v);
    if (keys.length > MAX_ENTRIES) return this.warn(field, `has ${keys.length} entries (at most ${MAX_ENTRIES} are shown)`);
    return keys.filter((k) => k.length <= MAX_KEY);
  }

  /** A list of objects read one by one with `read`; a non-list is dropped, a long one is cut. */
  objects<T>(v: unknown, field: string, read: (entry: Record<string, unknown>, field: string) => T): T[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.warn(field, 'is not a list');
    if (v.length > MAX_ENTRIES) this.warnings.push(`${this.where}: ${field} has ${v.length} entries; the first ${MAX_ENTRIES} are shown`);
    const out: T[] = [];
    for (const [i, entry] of v.slice(0, MAX_ENTRIES).entries()) {
      if (isObject(entry)) out.push(read(entry, `${field}[${i}]`));
      else this.warn(`${field}[${i}]`, 'is not an object');
    }
    return out;
  }
}

/** Copies only the defined values: the shapes carry no `undefined` keys. */
export function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
