import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CanonicalBand } from '../../api/dataset.ts';
import { CLAY_V0_BANDS } from '../dataset/clay-v0.ts';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic-write.ts';
import { freeFileStem } from '../fs/chip-file-stem.ts';
import { readJsonFile } from '../fs/json-file.ts';

/** On-disk embeddings: see docs/EMBEDDINGS.md. */
export const EMBEDDINGS_INDEX = 'embeddings.json';

const IndexSchema = z.object({
  formatVersion: z.literal(1),
  encoder: z.object({ name: z.string(), fingerprint: z.string(), file: z.string().optional(), description: z.string().optional() }),
  /** How chips were turned into encoder inputs (embed-dataset's inputRecipeId); caches of different recipes do not mix. */
  recipe: z.string().optional(),
  channels: z.number().int().positive(),
  gridHeight: z.number().int().positive(),
  gridWidth: z.number().int().positive(),
  pixelsPerCell: z.number().int().positive(),
  chips: z.record(
    z.string(),
    z.object({
      file: z.string().regex(/^[^/\\]+$/),
      chipFingerprint: z.string().nullable(),
      /** The encoder input actually used, e.g. `clay-v1.5 sentinel-1-rtc [VV, VH] gsd 10`. */
      inputs: z.string().optional(),
      /** What the chip lacked and what stood in for it (missing bands, nodata, date, CRS). */
      missingInputs: z.array(z.string()).optional(),
      /** Bands the encoder requires that the chip lacked, fed as 0 after normalisation. */
      zeroFilledBands: z.array(z.string()).optional(),
    }),
  ),
});
export type EmbeddingIndex = z.infer<typeof IndexSchema>;

export class EmbeddingStoreError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'EmbeddingStoreError';
  }
}

export type EmbeddingChipEntry = EmbeddingIndex['chips'][string];

export interface ChipEmbedding {
  channels: number;
  height: number;
  width: number;
  /** [channels, height, width] float32. */
  data: Float32Array;
}

export class EmbeddingStore {
  private constructor(
    readonly dir: string,
    private readonly index: EmbeddingIndex,
  ) {}

  static async open(dir: string): Promise<EmbeddingStore> {
    const path = join(dir, EMBEDDINGS_INDEX);
    let raw: unknown;
    try {
      raw = await readJsonFile(path);
    } catch (error) {
      throw new EmbeddingStoreError(path, `cannot read the embeddings index (${(error as Error).message.replace(`${path}: `, '')})`);
    }
    const parsed = IndexSchema.safeParse(raw);
    if (!parsed.success)
      throw new EmbeddingStoreError(path, `invalid embeddings index: ${parsed.error.issues[0]?.message ?? 'unknown problem'}`);
    return new EmbeddingStore(dir, parsed.data);
  }

  static async create(dir: string, header: Omit<EmbeddingIndex, 'formatVersion' | 'chips'>): Promise<EmbeddingStore> {
    const store = new EmbeddingStore(dir, { formatVersion: 1, ...header, chips: {} });
    await store.saveIndex();
    return store;
  }

  /** The index without its chips: what a store of the same encoder, recipe and grid is created from. */
  header(): Omit<EmbeddingIndex, 'formatVersion' | 'chips'> {
    const { formatVersion: _version, chips: _chips, ...header } = this.index;
    return header;
  }

  get channels(): number {
    return this.index.channels;
  }
  get encoderName(): string {
    return this.index.encoder.name;
  }
  get encoderFingerprint(): string {
    return this.index.encoder.fingerprint;
  }
  get encoderFile(): string | undefined {
    return this.index.encoder.file;
  }
  get recipe(): string | undefined {
    return this.index.recipe;
  }
  /** The index entry of a chip (file, fingerprint, inputs used, missing inputs), or undefined. */
  entry(chipId: string): EmbeddingChipEntry | undefined {
    return this.index.chips[chipId];
  }
  get pixelsPerCell(): number {
    return this.index.pixelsPerCell;
  }
  get grid(): { height: number; width: number } {
    return { height: this.index.gridHeight, width: this.index.gridWidth };
  }
  /** Bands read for labels and the valid mask (the embeddings themselves need no pixels here). */
  get targetBands(): CanonicalBand[] {
    return CLAY_V0_BANDS;
  }

  has(chipId: string, chipFingerprint: string | null = null): boolean {
    const entry = this.index.chips[chipId];
    return entry !== undefined && (chipFingerprint === null || entry.chipFingerprint === chipFingerprint);
  }

  chipIds(): string[] {
    return Object.keys(this.index.chips).sort();
  }

  async read(chipId: string): Promise<ChipEmbedding> {
    const entry = this.index.chips[chipId];
    if (!entry) throw new EmbeddingStoreError(join(this.dir, EMBEDDINGS_INDEX), `no embedding for chip ${chipId}`);
    const path = join(this.dir, entry.file);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new EmbeddingStoreError(path, `cannot read (${(error as Error).message})`);
    }
    const { channels, gridHeight: height, gridWidth: width } = this.index;
    const expected = channels * height * width * 4;
    if (bytes.length !== expected)
      throw new EmbeddingStoreError(path, `expected ${expected} bytes ([${channels}, ${height}, ${width}] float32), found ${bytes.length}`);
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    return { channels, height, width, data };
  }

  /** Writes one chip's embedding, then the index (both atomically), so a crash loses at most this chip. */
  async write(
    chipId: string,
    embedding: Float32Array,
    chipFingerprint: string | null,
    details: { inputs?: string; missingInputs?: string[]; zeroFilledBands?: string[] } = {},
  ): Promise<void> {
    const { channels, gridHeight, gridWidth } = this.index;
    if (embedding.length !== channels * gridHeight * gridWidth) {
      throw new EmbeddingStoreError(
        this.dir,
        `embedding for ${chipId} has ${embedding.length} values, expected ${channels}×${gridHeight}×${gridWidth}`,
      );
    }
    // chip ids that sanitise alike ("chip a", "chip_a") must not share a file: one would read the other's embedding
    const existing = this.index.chips[chipId]?.file;
    const used = new Map(Object.entries(this.index.chips).map(([id, entry]) => [entry.file.replace(/\.f32$/, '').toLowerCase(), id]));
    const file = existing ?? `${freeFileStem(chipId, used)}.f32`;
    await writeFileAtomic(join(this.dir, file), new Uint8Array(embedding.buffer, embedding.byteOffset, embedding.byteLength));
    this.index.chips[chipId] = { file, chipFingerprint, ...details };
    await this.saveIndex();
  }

  private saveIndex(): Promise<void> {
    return writeJsonAtomic(join(this.dir, EMBEDDINGS_INDEX), this.index);
  }
}
