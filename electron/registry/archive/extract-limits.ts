/**
 * How much an extract may unpack. A layer can be a gzip bomb (a megabyte that
 * inflates to terabytes) or millions of tiny entries; the bytes the layers
 * unpack to and the entries they hold are counted while the layers stream, and
 * the extract stops as soon as either passes its limit, before anything is written.
 */
import { formatByteSize } from '../../../shared/byte-size';
import { RegistryError, type ErrorContext } from '../../../shared/errors';

export const DEFAULT_EXTRACT_MAX_BYTES = 16 * 1024 ** 3;
export const DEFAULT_EXTRACT_MAX_ENTRIES = 5_000_000;

const RAISE_BYTES = 'If you trust the image, raise the limit with --max-size (e.g. --max-size 64GiB) or extract.maxBytes in the settings file.';
const RAISE_ENTRIES = 'If you trust the image, raise the limit with extract.maxEntries in the settings file.';

export class ExtractBudget {
  private bytes = 0;
  private entries = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntries: number,
    private readonly where: ErrorContext,
  ) {}

  private tooLarge(what: string): RegistryError {
    return new RegistryError('unsupported', `${what} more than the extract limit of ${formatByteSize(this.maxBytes)}; nothing was written`, this.where, RAISE_BYTES);
  }

  /** Before any download: compressed layers larger than the limit cannot unpack to less. */
  checkCompressed(total: number): void {
    if (total > this.maxBytes) throw this.tooLarge(`the image's layers are ${total} bytes compressed,`);
  }

  /** Bytes a layer unpacked to (headers, padding and skipped contents included). */
  unpacked(n: number, label: string): void {
    this.bytes += n;
    if (this.bytes > this.maxBytes) throw this.tooLarge(`${label}: the image unpacks to`);
  }

  /** One entry of a layer, or a directory its path implies. */
  entry(label: string): void {
    if (++this.entries > this.maxEntries) {
      throw new RegistryError('unsupported', `${label}: the image holds more than ${this.maxEntries} entries, the extract limit; nothing was written`, this.where, RAISE_ENTRIES);
    }
  }
}
