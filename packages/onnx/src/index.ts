/**
 * ONNX export for Kindling models: `exportOnnx(model, exampleInputs, opts)` traces one forward
 * pass and returns the bytes of an ONNX model that ONNX Runtime (Node, web, Python, C++, mobile)
 * and every other ONNX consumer can run. Each traced Kindling op maps to ONNX operators through a
 * registry (`registerOnnxOp`), so new ops add their exporter in one place. Runs in browsers and
 * Node; the file helper lives in `@kindling/onnx/node`.
 *
 * @module @kindling/onnx
 */
import { registerBuiltinOps } from './ops/index.js';

export { exportOnnx, type ExportOnnxOptions, type Exportable, DEFAULT_OPSET, MIN_OPSET, MAX_OPSET, ONNX_EXPORTER_VERSION } from './export.js';
export { registerOnnxOp, onnxOpExporter, onnxOps, type OnnxOpExporter, type OpExportContext, type OnnxAttribute, type TracedValue, type TracedProducer } from './registry.js';
export { decodeModel, type ModelMessage, type GraphMessage, type NodeMessage, type TensorMessage, type AttributeMessage, type ValueInfoMessage, type DimensionMessage } from './proto.js';

// The built-in exporters register themselves when the package is imported.
registerBuiltinOps();
