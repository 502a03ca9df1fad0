package io.semdex.embed;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Just enough of the ONNX protobuf format to rewrite a model's node list: reads the main graph's
 * nodes, initializer names, inputs and outputs of a {@code ModelProto}, and writes the model back
 * with new nodes, every other field copied byte for byte. Weights are never decoded: a model is
 * read from a (memory-mapped) buffer and written straight to a stream, so rewriting a 100 MB model
 * costs no heap to speak of.
 *
 * <p>Field numbers are those of {@code onnx.proto} (ONNX IR version 3 onwards).
 */
final class OnnxGraph {

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    // ModelProto
    private static final int MODEL_OPSET_IMPORT = 8;
    private static final int MODEL_GRAPH = 7;
    // OperatorSetIdProto
    private static final int OPSET_DOMAIN = 1;
    private static final int OPSET_VERSION = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int GRAPH_VALUE_INFO = 13;
    private static final int GRAPH_SPARSE_INITIALIZER = 15;
    // NodeProto
    private static final int NODE_INPUT = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int NODE_DOMAIN = 7;
    // TensorProto
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_DATA_LOCATION = 14;
    private static final int DATA_TYPE_INT64 = 7;
    private static final int DATA_LOCATION_EXTERNAL = 1;
    // SparseTensorProto: its values tensor carries the name
    private static final int SPARSE_VALUES = 1;
    // AttributeProto
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_INT = 3;
    private static final int ATTRIBUTE_TENSOR = 5;
    private static final int ATTRIBUTE_TYPE = 20;
    private static final int ATTRIBUTE_TYPE_INT = 2;
    private static final int ATTRIBUTE_TYPE_TENSOR = 4;
    // ValueInfoProto, TypeProto, TypeProto.Tensor
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;

    /**
     * One node of the graph. {@code otherFields} holds the node's encoded fields other than its
     * inputs and outputs (name, op type, domain, attributes …) so that a node is written back as read.
     */
    record Node(List<String> inputs, List<String> outputs, String opType, String domain, byte[] otherFields) {

        Node {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
        }

        /** A new node in the default ONNX domain with the given encoded attributes. */
        static Node create(String name, String opType, List<String> inputs, List<String> outputs, byte[]... attributes) {
            Encoder other = new Encoder();
            other.string(NODE_NAME, name);
            other.string(NODE_OP_TYPE, opType);
            for (byte[] attribute : attributes) {
                other.bytes(NODE_ATTRIBUTE, attribute);
            }
            return new Node(inputs, outputs, opType, "", other.toByteArray());
        }

        Node withInputs(List<String> newInputs) {
            return new Node(newInputs, outputs, opType, domain, otherFields);
        }

        boolean isDefaultDomain() {
            return domain.isEmpty() || domain.equals("ai.onnx");
        }

        byte[] encode() {
            Encoder encoder = new Encoder();
            inputs.forEach(input -> encoder.string(NODE_INPUT, input));
            outputs.forEach(output -> encoder.string(NODE_OUTPUT, output));
            encoder.raw(otherFields);
            return encoder.toByteArray();
        }
    }

    /** An encoded {@code AttributeProto} holding one integer. */
    static byte[] intAttribute(String name, long value) {
        Encoder attribute = new Encoder();
        attribute.string(ATTRIBUTE_NAME, name);
        attribute.varint(ATTRIBUTE_INT, value);
        attribute.varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT);
        return attribute.toByteArray();
    }

    /** An encoded {@code AttributeProto} holding a 1-D int64 tensor, as a {@code Constant} node's {@code value}. */
    static byte[] int64TensorAttribute(String name, long... values) {
        Encoder tensor = new Encoder();
        tensor.varint(TENSOR_DIMS, values.length);
        tensor.varint(TENSOR_DATA_TYPE, DATA_TYPE_INT64);
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long value : values) {
            raw.putLong(value);
        }
        tensor.bytes(TENSOR_RAW_DATA, raw.array());
        Encoder attribute = new Encoder();
        attribute.string(ATTRIBUTE_NAME, name);
        attribute.bytes(ATTRIBUTE_TENSOR, tensor.toByteArray());
        attribute.varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_TENSOR);
        return attribute.toByteArray();
    }

    /** A field as found in the buffer: its number, wire type, and where it and its payload lie. */
    private record Field(int number, int wireType, int start, int payloadStart, int end) {}

    private final ByteBuffer model;
    private final List<Field> modelFields;
    private final Field graphField;
    private final List<Field> graphFields;
    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> initializers = new HashSet<>();
    private final List<String> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private long defaultOpset = -1;
    private boolean externalData;

    private OnnxGraph(ByteBuffer model) {
        this.model = model;
        this.modelFields = fields(model, 0, model.limit());
        Field graph = null;
        for (Field field : modelFields) {
            if (field.number() == MODEL_GRAPH && field.wireType() == LENGTH_DELIMITED) {
                graph = field;
            } else if (field.number() == MODEL_OPSET_IMPORT && field.wireType() == LENGTH_DELIMITED) {
                readOpset(field);
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException("not an ONNX model: no graph");
        }
        this.graphField = graph;
        this.graphFields = fields(model, graph.payloadStart(), graph.end());
        for (Field field : graphFields) {
            switch (field.number()) {
                case GRAPH_NODE -> nodes.add(readNode(field));
                case GRAPH_INITIALIZER -> readInitializer(field);
                case GRAPH_SPARSE_INITIALIZER -> {
                    for (Field sparse : fields(model, field.payloadStart(), field.end())) {
                        if (sparse.number() == SPARSE_VALUES) {
                            readInitializer(sparse);
                        }
                    }
                }
                case GRAPH_INPUT -> inputs.add(valueInfoName(field));
                case GRAPH_OUTPUT -> outputs.add(valueInfoName(field));
                default -> { }
            }
        }
    }

    /**
     * Reads a model.
     *
     * @throws IllegalArgumentException when the buffer is not a well-formed ONNX model
     */
    static OnnxGraph read(ByteBuffer model) {
        try {
            return new OnnxGraph(model.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN));
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("not a well-formed ONNX model: a field runs past its end", e);
        }
    }

    /**
     * Reads a model file through a memory map, so its weights are never copied onto the heap.
     *
     * @throws IllegalArgumentException when the file is not a well-formed ONNX model or is larger
     *     than the 2 GB a protobuf message can be
     */
    static OnnxGraph read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + " is larger than 2 GB: its weights must be in external data files");
            }
            return read(channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size())); // the map outlives the channel
        }
    }

    /** Whether any node of the main graph runs {@code opType} (in any domain). */
    boolean hasOp(String opType) {
        return nodes.stream().anyMatch(node -> node.opType().equals(opType));
    }

    /** The main graph's nodes, in the file's (topological) order. */
    List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** Names of initializers: weights and other constants stored in the graph. */
    Set<String> initializers() {
        return Set.copyOf(initializers);
    }

    /** Names of the graph's inputs; older models list initializers among them too. */
    List<String> inputs() {
        return List.copyOf(inputs);
    }

    List<String> outputs() {
        return List.copyOf(outputs);
    }

    /** The opset version of the default domain, or -1 when the model does not say. */
    long defaultOpset() {
        return defaultOpset;
    }

    /** Whether any weight lives in a file beside the model, which a rewritten copy elsewhere could not find. */
    boolean hasExternalData() {
        return externalData;
    }

    /**
     * Writes the model with {@code newNodes} in place of its nodes. Shapes declared for the tensors
     * in {@code reshaped} (graph outputs and value infos) are dropped, since the new nodes change them;
     * ONNX Runtime infers them again.
     */
    void write(List<Node> newNodes, Set<String> reshaped, OutputStream out) throws IOException {
        List<byte[]> graphParts = new ArrayList<>();
        long graphLength = 0;
        boolean nodesWritten = false;
        for (Field field : graphFields) {
            byte[] part;
            if (field.number() == GRAPH_NODE && nodesWritten) {
                part = new byte[0]; // all nodes went out in place of the first
            } else if (field.number() == GRAPH_NODE) {
                nodesWritten = true;
                Encoder encoder = new Encoder();
                newNodes.forEach(node -> encoder.bytes(GRAPH_NODE, node.encode()));
                part = encoder.toByteArray();
            } else if ((field.number() == GRAPH_OUTPUT || field.number() == GRAPH_VALUE_INFO) && reshaped.contains(valueInfoName(field))) {
                Encoder encoder = new Encoder();
                encoder.bytes(field.number(), withoutShape(field));
                part = encoder.toByteArray();
            } else {
                part = null; // copied from the buffer
            }
            graphParts.add(part);
            graphLength += part != null ? part.length : field.end() - field.start();
        }
        if (!nodesWritten && !newNodes.isEmpty()) {
            throw new IllegalArgumentException("the model has no nodes to replace");
        }
        for (Field field : modelFields) {
            if (field != graphField) {
                copy(field.start(), field.end(), out);
                continue;
            }
            Encoder header = new Encoder();
            header.tag(MODEL_GRAPH, LENGTH_DELIMITED);
            header.rawVarint(graphLength);
            out.write(header.toByteArray());
            for (int i = 0; i < graphFields.size(); i++) {
                byte[] part = graphParts.get(i);
                if (part != null) {
                    out.write(part);
                } else {
                    copy(graphFields.get(i).start(), graphFields.get(i).end(), out);
                }
            }
        }
    }

    private void copy(int start, int end, OutputStream out) throws IOException {
        byte[] chunk = new byte[1 << 16];
        ByteBuffer slice = model.duplicate();
        slice.position(start).limit(end);
        while (slice.hasRemaining()) {
            int n = Math.min(chunk.length, slice.remaining());
            slice.get(chunk, 0, n);
            out.write(chunk, 0, n);
        }
    }

    private void readOpset(Field field) {
        String domain = "";
        long version = -1;
        for (Field f : fields(model, field.payloadStart(), field.end())) {
            if (f.number() == OPSET_DOMAIN && f.wireType() == LENGTH_DELIMITED) {
                domain = string(f);
            } else if (f.number() == OPSET_VERSION && f.wireType() == VARINT) {
                version = varintAt(f.payloadStart());
            }
        }
        if (domain.isEmpty() || domain.equals("ai.onnx")) {
            defaultOpset = version;
        }
    }

    private Node readNode(Field field) {
        List<String> nodeInputs = new ArrayList<>();
        List<String> nodeOutputs = new ArrayList<>();
        String opType = "";
        String domain = "";
        Encoder other = new Encoder();
        for (Field f : fields(model, field.payloadStart(), field.end())) {
            switch (f.number()) {
                case NODE_INPUT -> nodeInputs.add(string(f));
                case NODE_OUTPUT -> nodeOutputs.add(string(f));
                default -> {
                    if (f.number() == NODE_OP_TYPE) {
                        opType = string(f);
                    } else if (f.number() == NODE_DOMAIN) {
                        domain = string(f);
                    }
                    other.raw(bytes(f.start(), f.end()));
                }
            }
        }
        return new Node(nodeInputs, nodeOutputs, opType, domain, other.toByteArray());
    }

    private void readInitializer(Field field) {
        for (Field f : fields(model, field.payloadStart(), field.end())) {
            if (f.number() == TENSOR_NAME && f.wireType() == LENGTH_DELIMITED) {
                initializers.add(string(f));
            } else if (f.number() == TENSOR_DATA_LOCATION && f.wireType() == VARINT && varintAt(f.payloadStart()) == DATA_LOCATION_EXTERNAL) {
                externalData = true;
            }
        }
    }

    private String valueInfoName(Field field) {
        for (Field f : fields(model, field.payloadStart(), field.end())) {
            if (f.number() == VALUE_INFO_NAME && f.wireType() == LENGTH_DELIMITED) {
                return string(f);
            }
        }
        return "";
    }

    /** A {@code ValueInfoProto} re-encoded with its tensor type's shape left out. */
    private byte[] withoutShape(Field valueInfo) {
        Encoder info = new Encoder();
        for (Field f : fields(model, valueInfo.payloadStart(), valueInfo.end())) {
            if (f.number() != VALUE_INFO_TYPE || f.wireType() != LENGTH_DELIMITED) {
                info.raw(bytes(f.start(), f.end()));
                continue;
            }
            Encoder type = new Encoder();
            for (Field t : fields(model, f.payloadStart(), f.end())) {
                if (t.number() != TYPE_TENSOR || t.wireType() != LENGTH_DELIMITED) {
                    type.raw(bytes(t.start(), t.end()));
                    continue;
                }
                Encoder tensor = new Encoder();
                for (Field s : fields(model, t.payloadStart(), t.end())) {
                    if (s.number() != TENSOR_TYPE_SHAPE) {
                        tensor.raw(bytes(s.start(), s.end()));
                    }
                }
                type.bytes(TYPE_TENSOR, tensor.toByteArray());
            }
            info.bytes(VALUE_INFO_TYPE, type.toByteArray());
        }
        return info.toByteArray();
    }

    /** The fields of the message encoded in {@code [start, end)}. */
    private static List<Field> fields(ByteBuffer buffer, int start, int end) {
        List<Field> fields = new ArrayList<>();
        int pos = start;
        while (pos < end) {
            int fieldStart = pos;
            long tag = varintAt(buffer, pos);
            pos += varintLength(buffer, pos);
            int number = (int) (tag >>> 3);
            int wireType = (int) (tag & 7);
            int payloadStart = pos;
            switch (wireType) {
                case VARINT -> pos += varintLength(buffer, pos);
                case FIXED64 -> pos += 8;
                case FIXED32 -> pos += 4;
                case LENGTH_DELIMITED -> {
                    long length = varintAt(buffer, pos);
                    pos += varintLength(buffer, pos);
                    payloadStart = pos;
                    if (length < 0 || length > end - pos) {
                        throw new IllegalArgumentException("not a well-formed ONNX model: field " + number + " at byte " + fieldStart
                                + " claims " + length + " bytes, " + (end - pos) + " remain");
                    }
                    pos += (int) length;
                }
                default -> throw new IllegalArgumentException("not a well-formed ONNX model: wire type " + wireType + " at byte " + fieldStart);
            }
            if (number == 0 || pos > end) {
                throw new IllegalArgumentException("not a well-formed ONNX model: bad field at byte " + fieldStart);
            }
            fields.add(new Field(number, wireType, fieldStart, payloadStart, pos));
        }
        return fields;
    }

    private long varintAt(int pos) {
        return varintAt(model, pos);
    }

    private static long varintAt(ByteBuffer buffer, int pos) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = buffer.get(pos++);
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("not a well-formed ONNX model: a varint longer than 10 bytes at byte " + pos);
    }

    private static int varintLength(ByteBuffer buffer, int pos) {
        int length = 1;
        while (buffer.get(pos + length - 1) < 0) {
            length++;
            if (length > 10) {
                throw new IllegalArgumentException("not a well-formed ONNX model: a varint longer than 10 bytes at byte " + pos);
            }
        }
        return length;
    }

    private String string(Field field) {
        return new String(bytes(field.payloadStart(), field.end()), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int start, int end) {
        byte[] bytes = new byte[end - start];
        model.get(start, bytes);
        return bytes;
    }

    /** Appends protobuf fields to a growing byte array. */
    private static final class Encoder {

        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        void tag(int number, int wireType) {
            rawVarint(((long) number << 3) | wireType);
        }

        void rawVarint(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }

        void varint(int number, long value) {
            tag(number, VARINT);
            rawVarint(value);
        }

        void bytes(int number, byte[] value) {
            tag(number, LENGTH_DELIMITED);
            rawVarint(value.length);
            out.write(value, 0, value.length);
        }

        void string(int number, String value) {
            bytes(number, value.getBytes(StandardCharsets.UTF_8));
        }

        void raw(byte[] encoded) {
            out.write(encoded, 0, encoded.length);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
