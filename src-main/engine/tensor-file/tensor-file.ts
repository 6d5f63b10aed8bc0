/**
 * The `.flck` tensor container: the one reader and writer of the files holding training checkpoints (run/checkpoint-file.ts)
 * and converted encoders (clay/cache). Layout:
 *   bytes 0..7  "FLCK0001"
 *   bytes 8..11 JSON header length (uint32 LE), then the header `{ meta, tensors: [{ name, shape, length }] }`,
 *               zero-padded to a multiple of 8
 *   then the float32 LE tensors back to back, in header order.
 * `meta` is the caller's JSON object; this module adds `meta.checksums` (one fixed-width checksum per tensor) and verifies
 * it on every read when present (checkpoints written before checksums still load).
 *
 * Written tensor by tensor into a temp file beside the target, body first and header last (every value known only at the
 * end has a fixed width, so the header's length is known up front), then fsync and rename: a reader sees the old file or
 * the whole new one. Read with positioned reads: neither side holds more than the tensors its caller keeps.
 */
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError } from '../../api/errors.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';
import { asFileWriteError, temporarySibling } from '../fs/atomic-write.ts';
import { openRegularFile } from '../fs/regular-file.ts';
import { checksumFloat32, CHECKSUM_HEX_LENGTH } from './checksum.ts';

const MAGIC = 'FLCK0001';
const PREFIX_BYTES = 12;
/** An encoder header is a few hundred kB at most; anything larger is not ours. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

export interface TensorEntry {
  name: string;
  shape: number[];
  length: number;
}

/** A `.flck` file cannot be read or is not a complete, valid one: names the file and the problem. */
export class TensorFileError extends EngineError {
  constructor(file: string, problem: string, options: { cause?: unknown } = {}) {
    super('bad-input', `${file}: ${problem}`, { file, cause: options.cause });
    this.name = 'TensorFileError';
  }
}

const headerBytesFor = (jsonLength: number) => Math.ceil((PREFIX_BYTES + jsonLength) / 8) * 8;
const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function encodeHeader(meta: object, checksums: string[], tensors: TensorEntry[]): Buffer {
  const json = Buffer.from(JSON.stringify({ meta: { ...meta, checksums }, tensors }), 'utf8');
  const out = Buffer.alloc(headerBytesFor(json.length));
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, 8);
  json.copy(out, PREFIX_BYTES);
  return out;
}

/**
 * Writes a `.flck` file tensor by tensor into a temp file beside `path`; `finish` writes the header, syncs and renames.
 * Any failure (or `abort`) removes the temp file; write failures are FileWriteErrors naming the file.
 */
export class TensorFileWriter {
  private index = 0;
  private offset: number;
  private readonly checksums: string[] = [];

  private constructor(
    private readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
    private readonly tensors: TensorEntry[],
    private readonly headerLength: number,
  ) {
    this.offset = headerLength;
  }

  /**
   * `metaTemplate` must have the final meta's exact JSON length (same keys; fixed-width strings holding placeholders).
   * `path` is where the file goes; `finish` may rename it elsewhere in the same folder.
   */
  static async start(
    path: string,
    tensors: readonly { name: string; shape: readonly number[] }[],
    metaTemplate: object,
  ): Promise<TensorFileWriter> {
    const entries = tensors.map((t) => ({ name: t.name, shape: [...t.shape], length: product(t.shape) }));
    const template = encodeHeader(
      metaTemplate,
      entries.map(() => '0'.repeat(CHECKSUM_HEX_LENGTH)),
      entries,
    );
    const temp = temporarySibling(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      return new TensorFileWriter(path, temp, await open(temp, 'w'), entries, template.length);
    } catch (error) {
      throw asFileWriteError(path, error);
    }
  }

  /** The next tensor, in the order given to `start`. */
  async write(data: Float32Array): Promise<void> {
    const entry = this.tensors[this.index];
    try {
      if (!entry || entry.length !== data.length) {
        throw new TensorFileError(
          this.path,
          `tensor ${this.index} (${entry?.name ?? 'beyond the list'}) has ${data.length} values, expected ${entry?.length ?? 0} for shape [${entry?.shape ?? ''}]`,
        );
      }
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, this.offset + written);
        written += bytesWritten;
      }
    } catch (error) {
      await this.abort();
      throw error instanceof TensorFileError ? error : asFileWriteError(this.path, error);
    }
    this.offset += data.byteLength;
    this.checksums.push(checksumFloat32(data));
    this.index++;
  }

  async finish(meta: object, finalPath = this.path): Promise<void> {
    if (this.index !== this.tensors.length) {
      await this.abort();
      throw new TensorFileError(finalPath, `only ${this.index} of ${this.tensors.length} tensors written`);
    }
    const header = encodeHeader(meta, this.checksums, this.tensors);
    if (header.length !== this.headerLength) {
      await this.abort();
      throw new TensorFileError(
        finalPath,
        `header is ${header.length} bytes, ${this.headerLength} were reserved (meta fields changed width)`,
      );
    }
    try {
      await this.handle.write(header, 0, header.length, 0);
      await this.handle.sync();
      await this.handle.close();
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

/** Writes `tensors` and `meta` to `path` atomically. */
export async function writeTensorFile(path: string, tensors: ReadonlyMap<string, TensorRecord>, meta: object): Promise<void> {
  const writer = await TensorFileWriter.start(
    path,
    [...tensors].map(([name, t]) => ({ name, shape: t.shape })),
    meta,
  );
  for (const tensor of tensors.values()) await writer.write(tensor.data);
  await writer.finish(meta);
}

/** An open `.flck` file: header parsed and the file's size checked; tensors read on demand. */
export class TensorFileReader {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** The caller's meta as written (without `checksums`); validate it before use. */
    readonly meta: unknown,
    readonly tensors: readonly TensorEntry[],
    private readonly checksums: readonly string[] | null,
    private readonly offsets: number[],
  ) {}

  /** False for files written before `.flck` carried checksums: their tensors are read unverified. */
  get checksummed(): boolean {
    return this.checksums !== null;
  }

  static async open(path: string): Promise<TensorFileReader> {
    let handle: FileHandle;
    try {
      handle = await openRegularFile(path);
    } catch (error) {
      throw new TensorFileError(path, `cannot open (${(error as Error).message})`, { cause: error });
    }
    try {
      const size = (await handle.stat()).size;
      const prefix = Buffer.alloc(PREFIX_BYTES);
      await readFully(handle, prefix, 0, path);
      if (prefix.toString('latin1', 0, 8) !== MAGIC) throw new TensorFileError(path, 'not a Floodlens .flck file');
      const jsonLength = prefix.readUInt32LE(8);
      if (jsonLength > MAX_HEADER_BYTES || PREFIX_BYTES + jsonLength > size)
        throw new TensorFileError(path, `truncated header (${size} bytes)`);
      const json = Buffer.alloc(jsonLength);
      await readFully(handle, json, PREFIX_BYTES, path);
      const { meta, tensors, checksums } = parseHeader(path, json);
      const offsets: number[] = [];
      let offset = headerBytesFor(jsonLength);
      for (const t of tensors) {
        offsets.push(offset);
        offset += t.length * 4;
      }
      if (offset !== size) throw new TensorFileError(path, `truncated or padded: expected ${offset} bytes, found ${size}`);
      return new TensorFileReader(path, handle, meta, tensors, checksums, offsets);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Tensor `index`, its checksum verified when the file has checksums. */
  async read(index: number): Promise<Float32Array> {
    const entry = this.tensors[index];
    const data = new Float32Array(entry.length);
    await readFully(this.handle, new Uint8Array(data.buffer), this.offsets[index], this.path);
    if (this.checksums && checksumFloat32(data) !== this.checksums[index])
      throw new TensorFileError(this.path, `tensor ${entry.name} fails its checksum (the file is corrupt)`);
    return data;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Every tensor and the meta of a `.flck` file. */
export async function readTensorFile(path: string): Promise<{ tensors: Map<string, TensorRecord>; meta: unknown }> {
  const reader = await TensorFileReader.open(path);
  try {
    const tensors = new Map<string, TensorRecord>();
    for (const [index, entry] of reader.tensors.entries()) tensors.set(entry.name, { shape: entry.shape, data: await reader.read(index) });
    return { tensors, meta: reader.meta };
  } finally {
    await reader.close();
  }
}

async function readFully(handle: FileHandle, into: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) throw new TensorFileError(path, `ends early (at byte ${position + done})`);
    done += bytesRead;
  }
}

function parseHeader(path: string, json: Buffer): { meta: Record<string, unknown>; tensors: TensorEntry[]; checksums: string[] | null } {
  let header: { meta?: unknown; tensors?: unknown } | null;
  try {
    header = JSON.parse(json.toString('utf8')) as typeof header;
  } catch {
    throw new TensorFileError(path, 'corrupt header (not JSON)');
  }
  const tensorOk = (t: unknown): t is TensorEntry => {
    const c = t as TensorEntry | null;
    return (
      typeof c === 'object' &&
      c !== null &&
      typeof c.name === 'string' &&
      Array.isArray(c.shape) &&
      c.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
      Number.isSafeInteger(c.length) &&
      c.length === product(c.shape)
    );
  };
  const meta = header?.meta;
  if (
    typeof header !== 'object' ||
    header === null ||
    typeof meta !== 'object' ||
    meta === null ||
    Array.isArray(meta) ||
    !Array.isArray(header.tensors) ||
    !header.tensors.every(tensorOk)
  ) {
    throw new TensorFileError(path, 'corrupt header');
  }
  const { checksums, ...rest } = meta as Record<string, unknown>;
  if (
    checksums !== undefined &&
    (!Array.isArray(checksums) || checksums.length !== header.tensors.length || !checksums.every((c) => typeof c === 'string'))
  ) {
    throw new TensorFileError(path, 'corrupt header (checksums)');
  }
  return { meta: rest, tensors: header.tensors, checksums: (checksums as string[] | undefined) ?? null };
}
