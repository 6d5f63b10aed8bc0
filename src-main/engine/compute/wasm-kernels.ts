/**
 * Gradient kernels that tfjs-backend-wasm 4.22 lacks or runs slowly, so training works on wasm.
 *
 * Running a backward pass of every network here on wasm showed exactly one missing kernel:
 * `Conv2DBackpropFilter` (needed for every conv weight gradient). MaxPoolGrad,
 * ResizeNearestNeighborGrad, ResizeBilinearGrad, ReLU's gradient (Step/Mul) and the loss ops exist.
 *
 * `Conv2DBackpropInput` exists but is a naive loop (~4 GFLOP/s, 5 s for one 128→512 3×3 layer at
 * 128²); for stride 1 it is the same as a forward Conv2D with the filter flipped and its channel
 * axes swapped, which goes through XNNPACK (~40 GFLOP/s). Other strides keep the original kernel.
 *
 * `MaxPoolGrad` is replaced to break ties like PyTorch (see maxPoolGrad below).
 *
 * The conv kernels compose existing wasm kernels (Pad, Slice, Transpose, BatchMatMul, Conv2D) by calling
 * their kernel functions directly, as the built-in wasm kernels do, so no tensor reaches the engine.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type Attrs = Record<string, unknown>;
type PadSpec = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

const BACKEND = 'wasm';

function kernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, BACKEND);
  if (!config) throw new Error(`wasm kernel ${name} is not registered`);
  return config.kernelFunc;
}

function run(backend: BackendWasm, name: string, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
  return kernel(name)({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

function free(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

function requireChannelsLast(dataFormat: unknown, kernelName: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on wasm supports dataFormat 'NHWC' only, got '${String(dataFormat)}'`);
  }
}

/**
 * dW[i,j,ci,co] = Σ_{n,y,x} xPadded[n, y·sh + i·dh, x·sw + j·dw, ci] · dy[n,y,x,co].
 *
 * Per filter tap (i,j): a strided view of the padded input as [rows = N·OH·OW, Cin], multiplied by
 * dyᵀ [Cout, rows] → [Cout, Cin]. XNNPACK runs A·B at ~45 GFLOP/s but A·B with transposeA through a
 * naive path at ~2 GFLOP/s, hence dyᵀ is transposed once and reused by every tap.
 *
 * The row sum is split into chunks of CHUNK_ROWS whose partial products are added in float64, which
 * bounds float32 accumulation error for large images (one GEMM over 65k rows drifts ~4e-6 relative
 * on random data, 8k-row chunks ~3e-7); smaller chunks cost speed (2k rows: 3× slower at 256²).
 */
const CHUNK_ROWS = 8192;
/**
 * Few channels: a direct loop beats many tiny GEMMs (decoder tail 8→1 at 256²), and XNNPACK's
 * one-row GEMM (Cout = 1, e.g. the scratch net's 512→1 head) is ~10× slower than the loop.
 */
const DIRECT_LOOP_MAX_CHANNEL_PRODUCT = 256;
const DIRECT_LOOP_MAX_OUT_CHANNELS = 3;

function conv2DBackpropFilter({
  inputs,
  backend: anyBackend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): Info {
  const backend = anyBackend as BackendWasm;
  const { x, dy } = inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: PadSpec;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  requireChannelsLast(dataFormat, 'Conv2DBackpropFilter');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize: n, inHeight, inWidth, inChannels: cin, outChannels: cout, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const rows = n * oh * ow;
  if (cin * cout <= DIRECT_LOOP_MAX_CHANNEL_PRODUCT || cout <= DIRECT_LOOP_MAX_OUT_CHANNELS)
    return backpropFilterDirect(backend, x, dy, info);
  const chunks: { start: number; length: number; dyT: Info }[] = [];
  const dy2 = run(backend, 'Reshape', { x: dy }, { shape: [rows, cout] });
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const length = Math.min(CHUNK_ROWS, rows - start);
    const part = run(backend, 'Slice', { x: dy2 }, { begin: [start, 0], size: [length, cout] });
    chunks.push({ start, length, dyT: run(backend, 'Transpose', { x: part }, { perm: [1, 0] }) });
    free(backend, part);
  }
  free(backend, dy2);

  const sums = new Float64Array(kh * kw * cin * cout);
  /** Adds view [rows, Cin] · dy into sums at tap (i,j), chunk by chunk. */
  const accumulateTap = (view: Info, tapOffset: number) => {
    for (const chunk of chunks) {
      const xs = chunk.length === rows ? view : run(backend, 'Slice', { x: view }, { begin: [chunk.start, 0], size: [chunk.length, cin] });
      const product = run(backend, 'BatchMatMul', { a: chunk.dyT, b: xs }, { transposeA: false, transposeB: false });
      if (xs !== view) free(backend, xs);
      const values = backend.typedArrayFromHeap(product) as Float32Array; // [Cout, Cin]
      for (let co = 0; co < cout; co++) {
        const row = co * cin;
        for (let ci = 0; ci < cin; ci++) sums[tapOffset + ci * cout + co] += values[row + ci];
      }
      free(backend, product);
    }
  };

  const isIdentityView =
    kh === 1 && kw === 1 && sh === 1 && sw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0 && oh === inHeight && ow === inWidth;
  if (isIdentityView) {
    const x2 = run(backend, 'Reshape', { x }, { shape: [rows, cin] });
    accumulateTap(x2, 0);
    free(backend, x2);
  } else {
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const neededHeight = (oh - 1) * sh + (kh - 1) * dh + 1;
    const neededWidth = (ow - 1) * sw + (kw - 1) * dw + 1;
    const bottom = Math.max(0, neededHeight - inHeight - top);
    const right = Math.max(0, neededWidth - inWidth - left);
    const needsPad = top > 0 || left > 0 || bottom > 0 || right > 0;
    const padded = needsPad
      ? run(
          backend,
          'PadV2',
          { x },
          {
            paddings: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ],
            constantValue: 0,
          },
        )
      : x;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const begin = [0, i * dh, j * dw, 0];
        const view =
          sh === 1 && sw === 1
            ? run(backend, 'Slice', { x: padded }, { begin, size: [n, oh, ow, cin] })
            : run(
                backend,
                'StridedSlice',
                { x: padded },
                {
                  begin,
                  end: [n, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1, cin],
                  strides: [1, sh, sw, 1],
                  beginMask: 0,
                  endMask: 0,
                  ellipsisMask: 0,
                  newAxisMask: 0,
                  shrinkAxisMask: 0,
                },
              );
        const view2 = run(backend, 'Reshape', { x: view }, { shape: [rows, cin] });
        free(backend, view);
        accumulateTap(view2, (i * kw + j) * cin * cout);
        free(backend, view2);
      }
    }
    if (needsPad) free(backend, padded);
  }
  for (const chunk of chunks) free(backend, chunk.dyT);
  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}

/** The same sum as plain loops with float64 accumulators, for layers with few channels. */
function backpropFilterDirect(backend: BackendWasm, xInfo: Info, dyInfo: Info, info: tf.backend_util.Conv2DInfo): Info {
  const { batchSize: n, inHeight, inWidth, inChannels: cin, outChannels: cout, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const x = backend.typedArrayFromHeap(xInfo) as Float32Array;
  const dy = backend.typedArrayFromHeap(dyInfo) as Float32Array;
  const sums = new Float64Array(kh * kw * cin * cout);
  const tap = new Float64Array(cin * cout);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      tap.fill(0);
      for (let b = 0; b < n; b++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sh + i * dh - top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let xo = 0; xo < ow; xo++) {
            const ix = xo * sw + j * dw - left;
            if (ix < 0 || ix >= inWidth) continue;
            const xBase = ((b * inHeight + iy) * inWidth + ix) * cin;
            const dyBase = ((b * oh + y) * ow + xo) * cout;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x[xBase + ci];
              if (xv === 0) continue; // post-ReLU inputs are mostly zero
              const row = ci * cout;
              for (let co = 0; co < cout; co++) tap[row + co] += xv * dy[dyBase + co];
            }
          }
        }
      }
      sums.set(tap, (i * kw + j) * cin * cout);
    }
  }
  const out = backend.makeOutput([kh, kw, cin, cout], 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).set(sums);
  return out;
}

let nativeBackpropInput: tf.KernelFunc | undefined;

/**
 * Stride 1: dx[y,x,ci] = Σ_{i,j,co} dy[y + top − i, x + left − j, co] · W[i,j,ci,co]
 *           = Conv2D(dy, W'[i,j,co,ci] = W[kh−1−i, kw−1−j, ci, co], pad top' = kh−1−top, left' = kw−1−left).
 */
function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as {
    strides: number | [number, number];
    pad: PadSpec;
    dataFormat?: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  requireChannelsLast(dataFormat, 'Conv2DBackpropInput');
  const filterShape = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight: oh, outWidth: ow } = info;
  const padTop = kh - 1 - info.padInfo.top;
  const padLeft = kw - 1 - info.padInfo.left;
  const padBottom = inHeight - oh - padTop + kh - 1;
  const padRight = inWidth - ow - padLeft + kw - 1;
  const fast = info.strideHeight === 1 && info.strideWidth === 1 && Math.min(padTop, padLeft, padBottom, padRight) >= 0;
  if (!fast) {
    if (!nativeBackpropInput) throw new Error('Conv2DBackpropInput: original wasm kernel unavailable');
    return nativeBackpropInput(args as Parameters<tf.KernelFunc>[0]) as Info;
  }
  const flipped = flipAndSwapFilter(backend, filter);
  const dx = run(
    backend,
    'Conv2D',
    { x: dy, filter: flipped },
    {
      strides: [1, 1],
      dilations: [1, 1],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
    },
  );
  free(backend, flipped);
  return dx;
}

/** [kh,kw,ci,co] → [kh,kw,co,ci] with both spatial axes reversed. Filters are small; plain JS. */
function flipAndSwapFilter(backend: BackendWasm, filter: Info): Info {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const source = backend.typedArrayFromHeap(filter) as Float32Array;
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
      const to = (i * kw + j) * co * ci;
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) target[to + o * ci + c] = source[from + c * co + o];
      }
    }
  }
  return out;
}

/**
 * MaxPool gradient with PyTorch's tie rule: the gradient goes to the FIRST maximum of the window in
 * row-major order (as the cpu backend does too). The built-in wasm kernel picks the last one, and
 * after a ReLU or on smooth inputs exact float32 ties in a window do happen (the scratch-net parity
 * fixture has several), which moved whole gradient entries to the neighbouring pixel.
 */
function maxPoolGrad({
  inputs,
  backend: anyBackend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs: tf.NamedAttrMap;
}): Info {
  const backend = anyBackend as BackendWasm;
  const { dy, input } = inputs as { dy: Info; input: Info };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: PadSpec;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad as 'same',
    dimRoundingMode,
  );
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels: channels,
    outHeight,
    outWidth,
    strideHeight,
    strideWidth,
    filterHeight,
    filterWidth,
  } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput(input.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - top;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - left;
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let fy = 0; fy < filterHeight; fy++) {
            const y = y0 + fy;
            if (y < 0 || y >= inHeight) continue;
            for (let fx = 0; fx < filterWidth; fx++) {
              const xx = x0 + fx;
              if (xx < 0 || xx >= inWidth) continue;
              const index = ((b * inHeight + y) * inWidth + xx) * channels + c;
              const value = x[index];
              if (value > best || Number.isNaN(value) || bestIndex < 0) {
                best = value;
                bestIndex = index;
                if (Number.isNaN(value)) break;
              }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += g[dyBase + c];
        }
      }
    }
  }
  return out;
}

export const REGISTERED_WASM_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'] as const;

let registered = false;

/** Idempotent. Must run after tfjs-backend-wasm is imported (its kernels register on import). */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  const original = tf.getKernel('Conv2DBackpropInput', BACKEND);
  if (!original) throw new Error('tfjs-backend-wasm is not loaded: Conv2DBackpropInput is missing');
  nativeBackpropInput = original.kernelFunc;
  tf.unregisterKernel('Conv2DBackpropInput', BACKEND);
  tf.registerKernel({
    kernelName: 'Conv2DBackpropInput',
    backendName: BACKEND,
    kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
    setupFunc: original.setupFunc,
  });
  if (!tf.getKernel('Conv2DBackpropFilter', BACKEND)) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: BACKEND,
      kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
    });
  }
  tf.unregisterKernel('MaxPoolGrad', BACKEND);
  tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: BACKEND, kernelFunc: maxPoolGrad as unknown as tf.KernelFunc });
  registered = true;
}
