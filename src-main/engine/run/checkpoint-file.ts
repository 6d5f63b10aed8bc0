/**
 * Training checkpoints (`checkpoints/best.flck`, `checkpoints/last.flck`): the `.flck` container of tensor-file/ holding the
 * net's weights (and in last.flck the Adam state under `optimizer/`), plus the one schema of their meta.
 */
import { z } from 'zod';
import { CollapseSchema, EpochRecordSchema } from '../../api/run.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';
import { readTensorFile, TensorFileError, writeTensorFile } from '../tensor-file/tensor-file.ts';

/** best.flck: the epoch and the validation IoU that made it best. */
const BestCheckpointMetaSchema = z.object({
  epoch: z.number().int().nonnegative(),
  valIou: z.number().nullable(),
});

/** last.flck: the loop's state to resume from, and the epoch's record (a crash between the checkpoint and run.json must not lose it). */
const LastCheckpointMetaSchema = z.object({
  epoch: z.number().int().nonnegative(),
  randomState: z.number(),
  bestIou: z.number().nullable(),
  bestEpoch: z.number().int().nullable(),
  /** Absent in checkpoints written before collapse detection. */
  bestCollapse: CollapseSchema.nullable().optional(),
  epochsWithoutImprovement: z.number().int().nonnegative(),
  epochRecord: EpochRecordSchema.optional(),
});

export const CheckpointMetaSchema = z.union([LastCheckpointMetaSchema, BestCheckpointMetaSchema]);
export type LastCheckpointMeta = z.infer<typeof LastCheckpointMetaSchema>;
export type CheckpointMeta = z.infer<typeof CheckpointMetaSchema>;

/** Tensors named `optimizer/<key>` hold the optimizer's state; the others are the net's. */
export const OPTIMIZER_PREFIX = 'optimizer/';

export function modelTensors(tensors: ReadonlyMap<string, TensorRecord>): Map<string, TensorRecord> {
  return new Map([...tensors].filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
}

export function optimizerTensors(tensors: ReadonlyMap<string, TensorRecord>): Map<string, TensorRecord> {
  return new Map(
    [...tensors].filter(([name]) => name.startsWith(OPTIMIZER_PREFIX)).map(([name, t]) => [name.slice(OPTIMIZER_PREFIX.length), t]),
  );
}

export async function writeCheckpoint(path: string, tensors: ReadonlyMap<string, TensorRecord>, meta: CheckpointMeta): Promise<void> {
  await writeTensorFile(path, tensors, meta);
}

/** A checkpoint's tensors and meta; a file that is not a complete training checkpoint is a TensorFileError naming it. */
export async function readCheckpoint(path: string): Promise<{ tensors: Map<string, TensorRecord>; meta: CheckpointMeta }> {
  return readWith(path, CheckpointMetaSchema);
}

/** last.flck, with the loop state a resume needs. */
export async function readLastCheckpoint(path: string): Promise<{ tensors: Map<string, TensorRecord>; meta: LastCheckpointMeta }> {
  return readWith(path, LastCheckpointMetaSchema);
}

async function readWith<S extends z.ZodType>(path: string, schema: S): Promise<{ tensors: Map<string, TensorRecord>; meta: z.infer<S> }> {
  const { tensors, meta } = await readTensorFile(path);
  const parsed = schema.safeParse(meta);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    // a union names no field: say the first thing its branches miss (a missing `epoch` for a file of another kind)
    const issue = first?.code === 'invalid_union' ? (first.errors.flat()[0] ?? first) : first;
    throw new TensorFileError(path, `not a training checkpoint (${issue?.path.join('.') || 'meta'}: ${issue?.message})`);
  }
  return { tensors, meta: parsed.data };
}
