/**
 * Encoder cache files: the `.flck` layout of engine/run/checkpoint-file.ts (magic "FLCK0001",
 * uint32 LE header length, JSON header `{ meta, tensors }` zero-padded to 8 bytes, float32 LE tensors
 * back to back), written and read one tensor at a time with positioned I/O so neither side ever holds
 * more than the tensors its caller keeps.
 *
 * The writer knows the header's exact length before the first tensor is read, because every value only
 * known at the end (fingerprint, checksums) has a fixed width: it writes the body first, the header last.
 */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { asFileWriteError, temporarySibling } from '../../fs/atomic-write.ts';
import { checksumFloat32, CHECKSUM_HEX_LENGTH } from './checksum.ts';

const MAGIC = 'FLCK0001';
const PREFIX_BYTES = 12;
/** An encoder header is a few hundred kB at most; anything larger is not ours. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

export interface CacheTensorEntry {
  name: string;
  shape: number[];
  length: number;
}

export interface CacheHeader<Meta> {
  meta: Meta & { checksums: string[] };
  tensors: CacheTensorEntry[];
}

export class EncoderCacheError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`encoder cache ${file}: ${problem}`, options);
    this.name = 'EncoderCacheError';
  }
}

const headerBytesFor = (jsonLength: number) => Math.ceil((PREFIX_BYTES + jsonLength) / 8) * 8;
const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function encodeHeader(header: CacheHeader<object>): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(headerBytesFor(json.length));
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, PREFIX_BYTES);
  return out;
}

/**
 * Writes a cache file tensor by tensor into a temp file beside `finalPathOf(meta)`; `finish` writes the
 * header, syncs and renames. `abort` (or any failure) removes the temp file.
 */
export class CacheFileWriter<Meta extends object> {
  private index = 0;
  private offset: number;
  private readonly checksums: string[] = [];

  private constructor(
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly tensors: CacheTensorEntry[],
    private readonly headerLength: number,
  ) {
    this.offset = headerLength;
  }

  /**
   * `metaTemplate` must have the final meta's exact JSON length (same keys; fixed-width strings
   * holding placeholders), without `checksums` (added here).
   */
  static async start<M extends object>(dir: string, tensors: { name: string; shape: number[] }[], metaTemplate: M): Promise<CacheFileWriter<M>> {
    await mkdir(dir, { recursive: true });
    const entries = tensors.map((t) => ({ name: t.name, shape: [...t.shape], length: product(t.shape) }));
    const template = encodeHeader({ meta: { ...metaTemplate, checksums: entries.map(() => '0'.repeat(CHECKSUM_HEX_LENGTH)) }, tensors: entries });
    const temp = temporarySibling(`${dir}/encoder.flck`);
    const handle = await open(temp, 'w');
    return new CacheFileWriter<M>(temp, handle, entries, template.length);
  }

  /** The next tensor, in the order given to `start`. */
  async write(data: Float32Array): Promise<void> {
    const entry = this.tensors[this.index];
    if (!entry || entry.length !== data.length) throw new EncoderCacheError(this.temp, `tensor ${this.index} (${entry?.name ?? 'beyond the list'}) has ${data.length} values, expected ${entry?.length ?? 0}`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, this.offset + written);
      written += bytesWritten;
    }
    this.offset += bytes.length;
    this.checksums.push(checksumFloat32(data));
    this.index++;
  }

  async finish(meta: Meta, finalPath: string): Promise<void> {
    if (this.index !== this.tensors.length) throw new EncoderCacheError(this.temp, `only ${this.index} of ${this.tensors.length} tensors written`);
    const header = encodeHeader({ meta: { ...meta, checksums: this.checksums }, tensors: this.tensors });
    if (header.length !== this.headerLength) throw new EncoderCacheError(this.temp, `header is ${header.length} bytes, ${this.headerLength} were reserved (meta fields changed width)`);
    try {
      await this.handle.write(header, 0, header.length, 0);
      await this.handle.sync();
      await this.handle.close();
      await mkdir(dirname(finalPath), { recursive: true });
      await rename(this.temp, finalPath);
    } catch (error) {
      await this.abort();
      throw asFileWriteError(finalPath, error);
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await unlink(this.temp).catch(() => undefined);
  }
}

/** An open cache file: header parsed and the file's size checked; tensors read on demand. */
export class CacheFileReader<Meta extends object> {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly header: CacheHeader<Meta>,
    private readonly offsets: number[],
  ) {}

  static async open<M extends object>(path: string): Promise<CacheFileReader<M>> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      throw new EncoderCacheError(path, `cannot open (${(error as Error).message})`, { cause: error });
    }
    try {
      const size = (await handle.stat()).size;
      const prefix = Buffer.alloc(PREFIX_BYTES);
      await readFully(handle, prefix, 0, path);
      if (prefix.toString('latin1', 0, 8) !== MAGIC) throw new EncoderCacheError(path, 'not a Floodlens .flck file');
      const jsonLength = prefix.readUInt32LE(8);
      if (jsonLength > MAX_HEADER_BYTES || PREFIX_BYTES + jsonLength > size) throw new EncoderCacheError(path, `truncated header (${size} bytes)`);
      const json = Buffer.alloc(jsonLength);
      await readFully(handle, json, PREFIX_BYTES, path);
      const header = parseHeader<M>(path, json);
      const offsets: number[] = [];
      let offset = headerBytesFor(jsonLength);
      for (const t of header.tensors) {
        offsets.push(offset);
        offset += t.length * 4;
      }
      if (offset !== size) throw new EncoderCacheError(path, `truncated or padded: expected ${offset} bytes, found ${size}`);
      return new CacheFileReader<M>(path, handle, header, offsets);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Tensor `index`, its checksum verified. */
  async read(index: number): Promise<Float32Array> {
    const entry = this.header.tensors[index];
    const data = new Float32Array(entry.length);
    await readFully(this.handle, new Uint8Array(data.buffer), this.offsets[index], this.path);
    if (checksumFloat32(data) !== this.header.meta.checksums[index]) throw new EncoderCacheError(this.path, `tensor ${entry.name} fails its checksum (the file is corrupt)`);
    return data;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

async function readFully(handle: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new EncoderCacheError(path, `ends early (at byte ${position + done})`);
    done += bytesRead;
  }
}

function parseHeader<M extends object>(path: string, json: Buffer): CacheHeader<M> {
  let header: CacheHeader<M>;
  try {
    header = JSON.parse(json.toString('utf8')) as CacheHeader<M>;
  } catch {
    throw new EncoderCacheError(path, 'corrupt header (not JSON)');
  }
  const tensorOk = (t: CacheTensorEntry) =>
    typeof t === 'object' && t !== null && typeof t.name === 'string' && Array.isArray(t.shape) && t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) && t.length === product(t.shape);
  const checksums = (header?.meta as { checksums?: unknown } | undefined)?.checksums;
  if (
    typeof header !== 'object' || header === null || typeof header.meta !== 'object' || header.meta === null ||
    !Array.isArray(header.tensors) || !header.tensors.every(tensorOk) ||
    !Array.isArray(checksums) || checksums.length !== header.tensors.length || !checksums.every((c) => typeof c === 'string')
  ) {
    throw new EncoderCacheError(path, 'corrupt header');
  }
  return header;
}
