/**
 * Predicts the COG tile rows `rows` of a scene into one part (scene-part.ts). Reads the scene in blocks of
 * whole windows (at most RAW_BLOCK_BYTES of raw bands unless one window is larger), keeps one strip of cores'
 * probabilities (core × scene width, 5 bytes a pixel) and one tile row: the raw pixels (13 float bands for
 * Clay v0) do not grow with the scene's width; only the outputs do, and nothing grows with its area.
 */
import { mkdir, open, unlink } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';
import type { S1Units } from '../../api/dataset.ts';
import { initBackend } from '../compute/backend.ts';
import type { CheckpointChoice } from '../run/trained-run.ts';
import { readRunRecord } from '../run/run-record.ts';
import { etaSeconds, type JobContext } from '../compute/job-context.ts';
import { maskFromProbabilities, probabilitiesWithNodata } from '../export/masks.ts';
import { coreRowsFor, windowsFor, type RowRange, type ScenePlan } from './scene-plan.ts';
import { PART_FORMAT, partFileNames, sceneStem, writePartManifest, type ScenePart } from './scene-part.ts';
import { SceneReader, openSceneInfo, windowOfStrip, type SceneStrip } from './scene-source.ts';
import { openWindowModel, scenePlanFor } from './window-model.ts';
import type { WindowModel } from './window.ts';

export interface SceneOptions {
  runDir: string;
  /** The scene GeoTIFF, or a JSON manifest of per-band files. */
  scene: string;
  /** Band names in file order for a multi-band GeoTIFF without descriptions. */
  bands?: string[];
  s1Units?: S1Units;
  /** Model window edge in pixels (default: the run's training size). */
  window?: number;
  /** Pixels shared by neighbouring windows (default window / 4); only their centres are kept. */
  overlap?: number;
  probabilities: boolean;
  checkpoint?: CheckpointChoice;
  /** Acquisition date (YYYY-MM-DD) for encoders that take time (default: the scene's metadata, else unknown). */
  date?: string;
  /** Otsu runs: the scene's threshold when already computed (the workers of one run share it). */
  otsuThresholdDb?: number;
  /** Raw band bytes read at once (default RAW_BLOCK_BYTES); any value gives the same bytes out. */
  readBlockBytes?: number;
}

export interface ScenePartRequest extends SceneOptions {
  /** Folder the part is written to. */
  partDir: string;
  /** COG tile rows [first, end). */
  rows: RowRange;
}

export interface ScenePartResult {
  manifest: string;
  windows: number;
  seconds: number;
}

/** Raw band bytes read at once: a strip of the scene's width when it fits, else blocks of windows (at least one). */
const RAW_BLOCK_BYTES = 64 * 2 ** 20;

/** Keeps the core strip (one core row of windows across the scene) that the current rows fall in. */
class CoreStrip {
  private row = -1;
  readonly probabilities: Float32Array;
  readonly valid: Uint8Array;

  constructor(
    private readonly plan: ScenePlan,
    private readonly reader: SceneReader,
    private readonly model: WindowModel,
    private readonly onWindow: () => void,
    private readonly blockBytes: number,
  ) {
    this.probabilities = new Float32Array(plan.core * plan.width);
    this.valid = new Uint8Array(plan.core * plan.width);
  }

  async ensure(coreRow: number): Promise<void> {
    if (coreRow === this.row) return;
    const { width, height, window, margin, core } = this.plan;
    const y = coreRow * core;
    const rows = Math.min(core, height - y);
    const bands = this.model.rawBands;
    // Windows read together (neighbours share 2 × margin columns: wider blocks decode fewer pixels twice); a scene
    // narrow enough is read across its width at once.
    const budgetColumns = Math.max(window, Math.floor(this.blockBytes / (4 * bands.length * window)));
    const perBlock = width <= budgetColumns ? Infinity : Math.floor((budgetColumns - window) / core) + 1;
    let source: SceneStrip | null = null;
    for (let x = 0, k = 0; x < width; x += core, k++) {
      if (perBlock === Infinity && k === 0) source = await this.reader.readStrip(bands, y - margin, window);
      else if (k % perBlock === 0) {
        const cores = Math.min(perBlock, Math.ceil((width - x) / core));
        source = null; // the previous block goes before the next is read
        source = await this.reader.readBlock(bands, x - margin, y - margin, (cores - 1) * core + window, window);
      }
      const raw = windowOfStrip(source!, x - margin, window);
      const prediction = await this.model.predict(raw, window, { x: x - margin, y: y - margin });
      const cols = Math.min(core, width - x);
      for (let r = 0; r < rows; r++) {
        const from = (margin + r) * window + margin;
        this.probabilities.set(prediction.probabilities.subarray(from, from + cols), r * width + x);
        this.valid.set(prediction.inputValid.subarray(from, from + cols), r * width + x);
      }
      this.onWindow();
    }
    this.row = coreRow;
  }

  /** Scene row `y` (inside the current strip) into `probabilities`/`valid` at row `at` of a tile row. */
  copyRow(y: number, probabilities: Float32Array, valid: Uint8Array, at: number): void {
    const width = this.plan.width;
    const from = (y - this.row * this.plan.core) * width;
    probabilities.set(this.probabilities.subarray(from, from + width), at * width);
    valid.set(this.valid.subarray(from, from + width), at * width);
  }
}

export async function predictScenePart(request: ScenePartRequest, context: JobContext): Promise<ScenePartResult> {
  const started = performance.now();
  const info = await openSceneInfo(request.scene, { bands: request.bands, s1Units: request.s1Units, date: request.date });
  const backend = await initBackend();
  const record = await readRunRecord(request.runDir);
  const plan = scenePlanFor(record, info.width, info.height, request.window, request.overlap);
  const [r0, r1] = request.rows;
  if (r0 < 0 || r1 > plan.tileRows || r1 <= r0) throw new Error(`tile rows ${r0}..${r1} are outside the scene's 0..${plan.tileRows}`);
  const model = await openWindowModel(request.runDir, record, info, request.checkpoint ?? 'best', {
    window: plan.window,
    otsuThresholdDb: request.otsuThresholdDb,
    log: (line) => context.log(line),
  });
  const reader = await SceneReader.open(info).catch((error) => {
    model.dispose();
    throw error;
  });
  const stem = sceneStem(info.path);
  await mkdir(request.partDir, { recursive: true });
  const files = partFileNames(request.partDir, stem, request.rows);
  const total = windowsFor(plan, request.rows);
  let done = 0;
  const onWindow = () => {
    done++;
    const elapsed = (performance.now() - started) / 1000;
    context.progress({
      phase: 'predict',
      epoch: null,
      epochs: null,
      step: done,
      steps: total,
      loss: null,
      samplesPerSecond: done / Math.max(elapsed, 1e-9),
      etaSeconds: etaSeconds(done, total, elapsed),
      message: `tile rows ${r0}..${r1}`,
    });
    context.throwIfCancelled();
  };
  const handle = await open(files.bin, 'w');
  const records: ScenePart['records'] = [];
  try {
    const strip = new CoreStrip(plan, reader, model, onWindow, request.readBlockBytes ?? RAW_BLOCK_BYTES);
    const threshold = model.maskThreshold;
    let position = 0;
    const append = async (bytes: Uint8Array): Promise<[number, number]> => {
      const compressed = deflateSync(bytes, { level: 1 });
      await handle.write(compressed, 0, compressed.length, position);
      const range: [number, number] = [position, compressed.length];
      position += compressed.length;
      return range;
    };
    for (let row = r0; row < r1; row++) {
      const y0 = row * plan.tileSize;
      const y1 = Math.min(plan.height, y0 + plan.tileSize);
      const probabilities = new Float32Array((y1 - y0) * plan.width);
      const valid = new Uint8Array((y1 - y0) * plan.width);
      for (const coreRow of coreRowsFor(plan, y0, y1)) {
        await strip.ensure(coreRow);
        const from = Math.max(y0, coreRow * plan.core);
        const to = Math.min(y1, (coreRow + 1) * plan.core);
        for (let y = from; y < to; y++) strip.copyRow(y, probabilities, valid, y - y0);
      }
      const mask = maskFromProbabilities(probabilities, valid, threshold);
      const maskRange = await append(mask);
      const probabilityRange = request.probabilities
        ? await append(new Uint8Array(probabilitiesWithNodata(probabilities, valid).buffer))
        : null;
      records.push({ mask: maskRange, probabilities: probabilityRange });
    }
    await handle.sync();
    await handle.close();
    const seconds = (performance.now() - started) / 1000;
    const part: ScenePart = {
      format: PART_FORMAT,
      stem,
      scene: {
        path: info.path,
        width: info.width,
        height: info.height,
        epsg: info.crs.epsg,
        proj4: info.crs.proj4,
        isGeographic: info.crs.isGeographic,
        geoTransform: [...info.geoTransform] as ScenePart['scene']['geoTransform'],
        bands: info.bands.map((b) => b.name),
        s1Units: info.s1Units,
      },
      plan,
      rows: [r0, r1],
      run: {
        dir: request.runDir,
        id: model.record.id,
        model: model.record.model.kind,
        checkpoint: `${model.checkpoint.which} (epoch ${model.checkpoint.epoch ?? '?'})`,
        threshold: model.record.config.threshold,
        ...(model.otsuThresholdDb === undefined ? {} : { otsuThresholdDb: model.otsuThresholdDb }),
      },
      probabilities: request.probabilities,
      backend: backend.backend,
      windows: total,
      seconds,
      records,
    };
    await writePartManifest(files.json, part);
    return { manifest: files.json, windows: total, seconds };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(files.bin).catch(() => undefined);
    throw error;
  } finally {
    model.dispose();
    await reader.close();
  }
}
