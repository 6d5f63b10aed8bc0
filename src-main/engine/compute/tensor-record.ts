/**
 * One named tensor's values outside TensorFlow.js: float32 data in row-major (PyTorch) layout and its shape. What state
 * dicts, PyTorch checkpoints, `.flck` checkpoints and the encoder cache hold; the one tensor-record type of the engine.
 */
export interface TensorRecord {
  shape: number[];
  data: Float32Array;
}
