/**
 * The part of the ONNX protobuf schema the exporter writes, as a protobufjs JSON descriptor,
 * and the message shapes it accepts. Field names and numbers follow onnx/onnx.proto (the ONNX
 * IR specification, https://onnx.ai/onnx/repo-docs/IR.html); messages and fields the exporter
 * never writes are left out, which a protobuf reader tolerates by design (it only skips what it
 * does not know, never requires it).
 */
// protobufjs is CommonJS without an `exports` map: the light build (no .proto parser, which a
// JSON descriptor does not need) is reached by its file path, and its module.exports object is
// the namespace.
import protobuf from 'protobufjs/light.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** ONNX's TensorProto (initializers and tensor attributes); data always travels in raw_data, little-endian. */
export interface TensorMessage {
  dims: number[];
  data_type: number;
  name?: string;
  raw_data: Uint8Array;
}

/** ONNX's AttributeProto, one of f / i / s / t / floats / ints set according to `type`. */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
}

/** ONNX's NodeProto. */
export interface NodeMessage {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: AttributeMessage[];
}

/** A dimension: a size, or a symbolic name such as 'batch'. */
export type DimensionMessage = { dim_value: number } | { dim_param: string };

/** ONNX's ValueInfoProto for a tensor. */
export interface ValueInfoMessage {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: DimensionMessage[] } } };
}

/** ONNX's GraphProto. */
export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  doc_string?: string;
}

/** ONNX's ModelProto. */
export interface ModelMessage {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphMessage;
  metadata_props?: { key: string; value: string }[];
}

const f = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });

/** The descriptor: package `onnx`, field numbers as in onnx.proto. */
const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: f('string', 1),
            f: f('float', 2),
            i: f('int64', 3),
            s: f('bytes', 4),
            t: f('TensorProto', 5),
            floats: f('float', 7, 'repeated'),
            ints: f('int64', 8, 'repeated'),
            doc_string: f('string', 13),
            type: f('int32', 20),
          },
        },
        ValueInfoProto: { fields: { name: f('string', 1), type: f('TypeProto', 2), doc_string: f('string', 3) } },
        NodeProto: {
          fields: {
            input: f('string', 1, 'repeated'),
            output: f('string', 2, 'repeated'),
            name: f('string', 3),
            op_type: f('string', 4),
            attribute: f('AttributeProto', 5, 'repeated'),
            doc_string: f('string', 6),
            domain: f('string', 7),
          },
        },
        ModelProto: {
          fields: {
            ir_version: f('int64', 1),
            producer_name: f('string', 2),
            producer_version: f('string', 3),
            domain: f('string', 4),
            model_version: f('int64', 5),
            doc_string: f('string', 6),
            graph: f('GraphProto', 7),
            opset_import: f('OperatorSetIdProto', 8, 'repeated'),
            metadata_props: f('StringStringEntryProto', 14, 'repeated'),
          },
        },
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        GraphProto: {
          fields: {
            node: f('NodeProto', 1, 'repeated'),
            name: f('string', 2),
            initializer: f('TensorProto', 5, 'repeated'),
            doc_string: f('string', 10),
            input: f('ValueInfoProto', 11, 'repeated'),
            output: f('ValueInfoProto', 12, 'repeated'),
            value_info: f('ValueInfoProto', 13, 'repeated'),
          },
        },
        TensorProto: {
          fields: {
            dims: f('int64', 1, 'repeated'),
            data_type: f('int32', 2),
            float_data: f('float', 4, 'repeated'),
            int64_data: f('int64', 7, 'repeated'),
            name: f('string', 8),
            raw_data: f('bytes', 9),
            double_data: f('double', 10, 'repeated'),
            doc_string: f('string', 12),
          },
        },
        TensorShapeProto: {
          fields: { dim: f('Dimension', 1, 'repeated') },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: f('int64', 1), dim_param: f('string', 2), denotation: f('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type'] } },
          fields: { tensor_type: f('Tensor', 1), denotation: f('string', 6) },
          nested: { Tensor: { fields: { elem_type: f('int32', 1), shape: f('TensorShapeProto', 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
      },
    },
  },
};

let root: protobuf.Root | null = null;
function modelType(): protobuf.Type {
  // Built on first use, so importing the package costs nothing until a model is exported.
  root ??= protobuf.Root.fromJSON(ONNX_SCHEMA);
  return root.lookupType('onnx.ModelProto');
}

/** Serialises a ModelProto. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = modelType();
  const encoded = type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
  // In Node, protobufjs hands back a Buffer, possibly a slice of a shared pool: copy it into a
  // plain Uint8Array that owns its memory.
  return new Uint8Array(encoded);
}

/**
 * Parses the bytes of a model written by `exportOnnx` back into plain objects (int64 as numbers): for
 * tests and for tools that inspect an export.
 */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = modelType();
  return type.toObject(type.decode(bytes), { longs: Number, arrays: true }) as ModelMessage;
}
