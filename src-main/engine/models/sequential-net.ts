/**
 * A network made of named PyTorch-style `nn.Sequential` blocks (e.g. `encoder`, `decoder`), run in
 * order. Parameters are `tf.Variable`s keyed by the PyTorch state-dict names (`decoder.0.weight`),
 * stored in TensorFlow.js layout (see layers.ts); stateDict()/loadStateDict() speak PyTorch layout.
 *
 * Tensors at the boundary are NHWC (`[batch, height, width, channels]`), as TensorFlow.js needs.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelKind } from '../../api/run.ts';
import type { TensorRecord } from '../compute/tensor-record.ts';
import {
  describeLayer,
  effectivePadding,
  filterFromTorch,
  filterToTorch,
  initBound,
  isConv,
  tfFilterShape,
  torchWeightShape,
  type ConvSpec,
  type LayerSpec,
} from './layers.ts';

/** A state dict: tensor records (C-order float32 values, PyTorch shapes) by key. */
export type StateDict = Map<string, TensorRecord>;

export class StateDictError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}

export interface NetOptions {
  /** Seed for the PyTorch-style random init (default 1). */
  seed?: number;
}

interface ConvParams {
  spec: ConvSpec;
  weight: tf.Variable;
  bias: tf.Variable;
  weightKey: string;
  biasKey: string;
}

interface Block {
  name: string;
  layers: LayerSpec[];
  params: Map<number, ConvParams>;
}

let netCount = 0;

export class SequentialNet {
  readonly variables = new Map<string, tf.Variable>();
  private readonly blocks: Block[] = [];
  private disposed = false;

  constructor(
    readonly kind: ModelKind,
    readonly inputChannels: number,
    blocks: Record<string, LayerSpec[]>,
    options: NetOptions = {},
  ) {
    let seed = options.seed ?? 1;
    const instance = ++netCount; // tf variable names are global: keep each net's unique
    for (const [name, layers] of Object.entries(blocks)) {
      const block: Block = { name, layers, params: new Map() };
      layers.forEach((spec, index) => {
        if (!isConv(spec)) return;
        if (spec.type === 'convT' && 2 * spec.padding > spec.kernel - 1) {
          throw new Error(`${name}.${index}: ConvTranspose2d padding ${spec.padding} > (kernel−1)/2 is not supported`);
        }
        const bound = initBound(spec);
        const weightKey = `${name}.${index}.weight`;
        const biasKey = `${name}.${index}.bias`;
        const weight = tf.tidy(() =>
          tf.variable(
            tf.randomUniform(tfFilterShape(spec), -bound, bound, 'float32', seed++),
            true,
            `${this.kind}#${instance}/${weightKey}`,
          ),
        );
        const bias = tf.tidy(() =>
          tf.variable(tf.randomUniform([spec.outChannels], -bound, bound, 'float32', seed++), true, `${this.kind}#${instance}/${biasKey}`),
        );
        block.params.set(index, { spec, weight, bias, weightKey, biasKey });
        this.variables.set(weightKey, weight);
        this.variables.set(biasKey, bias);
      });
      this.blocks.push(block);
    }
  }

  /** NHWC input → NHWC logits (one channel). The caller owns the result. */
  logits(input: tf.Tensor4D): tf.Tensor4D {
    if (this.disposed) throw new Error(`${this.kind}: used after dispose()`);
    if (input.shape[3] !== this.inputChannels) {
      throw new Error(`${this.kind}: input has ${input.shape[3]} channels, the network expects ${this.inputChannels}`);
    }
    return tf.tidy(() => {
      // Pooling needs sides that are multiples of its stride: pad (mirroring the edge) and crop back,
      // so any input size gives an output of that size (395×359 in, 395×359 out).
      const stride = this.stride;
      const [, height, width] = input.shape;
      const padBottom = (stride - (height % stride)) % stride;
      const padRight = (stride - (width % stride)) % stride;
      let x =
        padBottom + padRight > 0
          ? tf.mirrorPad(
              input,
              [
                [0, 0],
                [0, padBottom],
                [0, padRight],
                [0, 0],
              ],
              'symmetric',
            )
          : input;
      for (const block of this.blocks) x = this.runBlock(block, x);
      if (padBottom + padRight > 0 && x.shape[1] === height + padBottom && x.shape[2] === width + padRight)
        x = tf.slice(x, [0, 0, 0, 0], [-1, height, width, -1]);
      return x;
    });
  }

  /** Bytes of the largest activation one sample of `height`×`width` makes (float32): what one GPU buffer must hold. */
  largestActivationBytes(height: number, width: number): number {
    let [h, w, c] = [height, width, this.inputChannels];
    let largest = h * w * c;
    for (const block of this.blocks) {
      for (const spec of block.layers) {
        if (spec.type === 'conv' || spec.type === 'convT') c = spec.outChannels;
        else if (spec.type === 'maxPool') [h, w] = [Math.floor(h / spec.size), Math.floor(w / spec.size)];
        else if (spec.type === 'upsample') [h, w] = [h * spec.scale, w * spec.scale];
        largest = Math.max(largest, h * w * c);
      }
    }
    return largest * 4;
  }

  /**
   * Input pixels on each side that can change one logit (the receptive field's radius): a logit computed on a
   * crop that keeps this many pixels around it, starting on a multiple of `stride`, equals the whole input's.
   */
  get receptiveRadius(): number {
    let radius = 0;
    let scale = 1; // input pixels per pixel of the current layer
    for (const block of this.blocks) {
      for (const spec of block.layers) {
        if (spec.type === 'conv' || spec.type === 'convT') radius += ((spec.kernel - 1) / 2) * scale;
        else if (spec.type === 'maxPool') {
          radius += (spec.size - 1) * scale;
          scale *= spec.size;
        } else if (spec.type === 'upsample') {
          if (spec.mode === 'bilinear') radius += scale; // interpolates between neighbouring pixels of the layer below
          scale /= spec.scale;
        }
      }
    }
    return Math.ceil(radius);
  }

  /** Product of the pooling sizes: input sides must be multiples of it (logits pads to one). */
  get stride(): number {
    let stride = 1;
    for (const block of this.blocks) for (const spec of block.layers) if (spec.type === 'maxPool') stride *= spec.size;
    return stride;
  }

  private runBlock(block: Block, input: tf.Tensor4D): tf.Tensor4D {
    let x = input;
    const { layers } = block;
    for (let index = 0; index < layers.length; index++) {
      const spec = layers[index];
      switch (spec.type) {
        case 'conv':
        case 'convT': {
          const params = block.params.get(index)!;
          // A following ReLU is fused into the conv (one kernel, and its gradient is exact).
          const fuseRelu = layers[index + 1]?.type === 'relu';
          const pad = effectivePadding(spec);
          x = tf.fused.conv2d({
            x,
            filter: params.weight as tf.Tensor4D,
            bias: params.bias,
            strides: 1,
            pad: pad === 0 ? 'valid' : 2 * pad === spec.kernel - 1 ? 'same' : pad,
            activation: fuseRelu ? 'relu' : 'linear',
          });
          if (fuseRelu) index++;
          break;
        }
        case 'relu':
          x = tf.relu(x);
          break;
        case 'maxPool':
          x = tf.maxPool(x, spec.size, spec.size, 'valid');
          break;
        case 'upsample': {
          const size: [number, number] = [x.shape[1] * spec.scale, x.shape[2] * spec.scale];
          // PyTorch nearest: in[floor(y/2)]; bilinear (align_corners=False): half-pixel centres.
          x =
            spec.mode === 'nearest' ? tf.image.resizeNearestNeighbor(x, size, false, false) : tf.image.resizeBilinear(x, size, false, true);
          break;
        }
      }
    }
    return x;
  }

  /** The module printout, PyTorch style. */
  describe(): string {
    const lines = [`${this.kind} (${this.parameterCount().toLocaleString('en')} parameters)`];
    for (const block of this.blocks) {
      lines.push(`  (${block.name}): Sequential(`);
      block.layers.forEach((spec, index) => lines.push(`    (${index}): ${describeLayer(spec)}`));
      lines.push('  )');
    }
    return lines.join('\n');
  }

  parameterCount(): number {
    let total = 0;
    for (const variable of this.variables.values()) total += variable.size;
    return total;
  }

  private *convParams(): Generator<ConvParams> {
    for (const block of this.blocks) yield* block.params.values();
  }

  /** Expected keys and PyTorch shapes, in state-dict order. */
  stateDictShapes(): Map<string, number[]> {
    const shapes = new Map<string, number[]>();
    for (const p of this.convParams()) {
      shapes.set(p.weightKey, torchWeightShape(p.spec));
      shapes.set(p.biasKey, [p.spec.outChannels]);
    }
    return shapes;
  }

  /** Weights in PyTorch state-dict layout and order (loadable by `load_state_dict(strict=True)`). */
  stateDict(): Promise<StateDict> {
    return this.toTorchLayout(this.variables);
  }

  /**
   * Any per-parameter tensors keyed like the variables (weights, gradients, Adam moments) converted
   * to PyTorch state-dict layout and order. Reads asynchronously: WebGPU under Node has no synchronous readback.
   */
  async toTorchLayout(values: ReadonlyMap<string, tf.Tensor>): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const p of this.convParams()) {
      const weight = values.get(p.weightKey);
      const bias = values.get(p.biasKey);
      if (!weight || !bias) throw new Error(`${this.kind}: no value for ${weight ? p.biasKey : p.weightKey}`);
      out.set(p.weightKey, { shape: torchWeightShape(p.spec), data: filterToTorch(p.spec, (await weight.data()) as Float32Array) });
      out.set(p.biasKey, { shape: [p.spec.outChannels], data: Float32Array.from((await bias.data()) as Float32Array) });
    }
    return out;
  }

  /**
   * Loads a PyTorch-layout state dict. Strict like PyTorch: every key present with its exact shape;
   * extra keys are an error unless `allowExtra` (e.g. a Lightning checkpoint holding an encoder too).
   */
  loadStateDict(weights: Map<string, TensorRecord>, source = 'state dict', allowExtra = false): void {
    const expected = this.stateDictShapes();
    const missing = [...expected.keys()].filter((key) => !weights.has(key));
    if (missing.length) throw new StateDictError(source, `missing ${missing.join(', ')} for ${this.kind}`);
    if (!allowExtra) {
      const extra = [...weights.keys()].filter((key) => !expected.has(key));
      if (extra.length) throw new StateDictError(source, `unexpected ${extra.join(', ')} for ${this.kind}`);
    }
    for (const [key, shape] of expected) {
      const tensor = weights.get(key)!;
      const count = shape.reduce((a, b) => a * b, 1);
      if (tensor.shape.join(',') !== shape.join(',') || tensor.data.length !== count) {
        throw new StateDictError(
          source,
          `${key} has shape [${tensor.shape}] (${tensor.data.length} values), ${this.kind} needs [${shape}]`,
        );
      }
    }
    const values = this.fromTorchLayout(weights);
    for (const [key, value] of values) {
      this.variables.get(key)!.assign(value);
      value.dispose();
    }
  }

  /**
   * PyTorch-layout tensors (weights, or gradients from a PyTorch run) → tensors in this net's
   * variable layout, keyed like `variables`. Shapes are checked; the caller disposes the result.
   */
  fromTorchLayout(state: Map<string, TensorRecord>): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const p of this.convParams()) {
      const weight = state.get(p.weightKey);
      const bias = state.get(p.biasKey);
      if (!weight || !bias) throw new StateDictError('state dict', `missing ${weight ? p.biasKey : p.weightKey}`);
      out.set(p.weightKey, tf.tensor4d(filterFromTorch(p.spec, weight.data), tfFilterShape(p.spec)));
      out.set(p.biasKey, tf.tensor1d(bias.data));
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const variable of this.variables.values()) variable.dispose();
    this.disposed = true;
  }
}
