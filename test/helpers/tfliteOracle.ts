/**
 * A real TFLite interpreter as a test oracle: the emscripten build inside npm
 * `@tensorflow/tfjs-tflite` 0.0.1-alpha.10 (TFLite + XNNPACK compiled to wasm).
 *
 * The package is meant for browsers, but its `wasm/tflite_web_api_cc.js` glue is a plain
 * emscripten factory that also runs under Node once it is handed the wasm bytes
 * (`wasmBinary`; its own fetch() of a file path fails in Node). The factory exposes the
 * embind class `TFLiteWebModelRunner`, the same one the package's JS wrapper drives:
 * CreateFromBufferAndOptions(ptr, size, options), GetInputs()/GetOutputs() (tensors with
 * name, shape, dataType and a data() view into wasm memory) and Infer().
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface EmVector<T> {
  size(): number;
  get(i: number): T;
}
interface EmTensor {
  name: string;
  dataType: string;
  shape: string;
  data(): Float32Array;
}
interface EmRunner {
  GetInputs(): EmVector<EmTensor>;
  GetOutputs(): EmVector<EmTensor>;
  Infer(): boolean;
  delete(): void;
}
interface EmModule {
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPU8: Uint8Array;
  TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(
      ptr: number,
      size: number,
      opts: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number },
    ): { ok(): boolean; errorMessage(): string; value(): EmRunner };
  };
}

export interface TensorSpec {
  name: string;
  shape: number[];
}

export interface TfliteRunner {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  run(inputs: Float32Array[]): Float32Array[];
  close(): void;
}

let modulePromise: Promise<EmModule> | undefined;

function loadModule(): Promise<EmModule> {
  if (!modulePromise) {
    const factory = require('@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc.js') as (m: object) => Promise<EmModule>;
    const wasm = readFileSync(require.resolve('@tensorflow/tfjs-tflite/wasm/tflite_web_api_cc.wasm'));
    // Silence the interpreter's "Created TensorFlow Lite XNNPACK delegate" line.
    modulePromise = factory({ wasmBinary: wasm, print: () => {}, printErr: () => {} });
  }
  return modulePromise;
}

const list = <T>(v: EmVector<T>): T[] => Array.from({ length: v.size() }, (_, i) => v.get(i));
const spec = (t: EmTensor): TensorSpec => ({ name: t.name, shape: String(t.shape).split(',').map(Number) });

export async function createTfliteRunner(model: Uint8Array): Promise<TfliteRunner> {
  const M = await loadModule();
  const ptr = M._malloc(model.length);
  M.HEAPU8.set(model, ptr);
  const created = M.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, {
    numThreads: 1,
    enableProfiling: false,
    maxProfilingBufferEntries: 1024,
  });
  if (!created.ok()) {
    M._free(ptr);
    throw new Error(`TFLite runner: ${created.errorMessage()}`);
  }
  const runner = created.value();
  const ins = list(runner.GetInputs());
  const outs = list(runner.GetOutputs());
  for (const t of [...ins, ...outs])
    if (t.dataType !== 'float32') throw new Error(`TFLite oracle handles float32 only (${t.name}: ${t.dataType})`);
  return {
    inputs: ins.map(spec),
    outputs: outs.map(spec),
    run(inputs) {
      const tin = list(runner.GetInputs());
      inputs.forEach((x, i) => {
        const d = tin[i].data(); // a fresh view: wasm memory may have grown since the last call
        if (d.length !== x.length) throw new Error(`input ${i}: ${x.length} values, model wants ${d.length}`);
        d.set(x);
      });
      if (!runner.Infer()) throw new Error('TFLite Infer() failed');
      return list(runner.GetOutputs()).map((t) => Float32Array.from(t.data()));
    },
    close() {
      runner.delete();
      M._free(ptr);
    },
  };
}
