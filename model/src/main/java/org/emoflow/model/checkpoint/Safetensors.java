package org.emoflow.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Readable by PyTorch/HF tools and numpy.
 * Reads F32, BF16 and F16; writes F32 or BF16.
 *
 * <p>Tensors reach the engine through a memory map of their bytes, never through a Java direct buffer:
 * direct buffers count against {@code -XX:MaxDirectMemorySize}, which Flink sets small, and a tensor made
 * from one keeps using that buffer as its storage. A mapped region does not count; libtorch copies (or
 * converts) it into memory of its own, and the region is unmapped at once.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER_BYTES = 100L << 20;
  private static final int CHUNK = 4096;

  /** Element types, by their safetensors names. */
  public enum DType {
    F32(4, DataType.FLOAT32),
    BF16(2, DataType.BFLOAT16),
    F16(2, DataType.FLOAT16);

    private final int bytes;
    private final DataType engineType;

    DType(int bytes, DataType engineType) {
      this.bytes = bytes;
      this.engineType = engineType;
    }

    public int bytes() {
      return bytes;
    }

    public DataType engineType() {
      return engineType;
    }

    /** The element type of the given name (as safetensors writes it, or float32/bfloat16/float16). */
    public static DType parse(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "f32", "float32" -> F32;
        case "bf16", "bfloat16" -> BF16;
        case "f16", "float16" -> F16;
        default -> throw new IllegalArgumentException(
            "unsupported dtype '" + name + "', expected F32, BF16 or F16 (float32, bfloat16, float16)");
      };
    }
  }

  /** A float32 tensor's bytes (little-endian), by name. */
  public record Tensor(String name, long[] shape, ByteBuffer data) {}

  /** One tensor of a file being written: its bytes come from {@link Contents} when their turn comes. */
  public record Entry(String name, DType dtype, long[] shape) {
    public long bytes() {
      return elementCount(shape) * dtype.bytes();
    }
  }

  /** Writes each entry's bytes, little-endian, exactly {@link Entry#bytes()} of them. */
  public interface Contents {
    void write(Entry entry, WritableByteChannel channel) throws IOException;
  }

  private Safetensors() {}

  /** Float32 tensors held in memory. */
  public static void write(Path path, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
    Map<String, ByteBuffer> data = new LinkedHashMap<>();
    List<Entry> entries = tensors.stream().map(t -> {
      if (t.data().remaining() != elementCount(t.shape()) * Float.BYTES) {
        throw new IllegalArgumentException("tensor " + t.name() + " has " + t.data().remaining() + " bytes for its shape");
      }
      data.put(t.name(), t.data());
      return new Entry(t.name(), DType.F32, t.shape());
    }).toList();
    write(path, metadata, entries, (entry, channel) -> writeFully(channel, data.get(entry.name()).duplicate()));
  }

  /** Streams the tensors in order: only the one being written need be in memory. */
  public static void write(Path path, Map<String, String> metadata, List<Entry> entries, Contents contents)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Entry entry : entries) {
      ObjectNode node = header.putObject(entry.name());
      node.put("dtype", entry.dtype().name());
      var shape = node.putArray("shape");
      for (long dim : entry.shape()) {
        shape.add(dim);
      }
      node.putArray("data_offsets").add(offset).add(offset + entry.bytes());
      offset += entry.bytes();
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    ByteBuffer prefix = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    prefix.putLong(padded).put(json);
    while (prefix.hasRemaining()) {
      prefix.put((byte) ' ');
    }
    prefix.flip();
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(channel, prefix);
      for (Entry entry : entries) {
        long before = channel.position();
        contents.write(entry, channel);
        long written = channel.position() - before;
        if (written != entry.bytes()) {
          throw new IllegalArgumentException(
              "tensor " + entry.name() + " wrote " + written + " bytes, its shape and dtype need " + entry.bytes());
        }
      }
      channel.force(true);
    }
  }

  public static void writeFully(WritableByteChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  /**
   * The tensor's values, little-endian, in the given dtype (F32 or BF16): float32 is written from a view of
   * the tensor's own memory where it is a contiguous CPU tensor, so nothing is copied; BF16 is rounded to
   * nearest, ties to even (as PyTorch rounds), chunk by chunk.
   */
  public static void writeArray(NDArray array, DType dtype, WritableByteChannel channel) throws IOException {
    if (array.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("only float32 tensors are written, got " + array.getDataType());
    }
    ByteBuffer floats = array.toByteBuffer(true).order(ByteOrder.nativeOrder());
    switch (dtype) {
      case F32 -> writeFully(channel, floats.order(ByteOrder.LITTLE_ENDIAN));
      case BF16 -> {
        java.nio.FloatBuffer values = floats.asFloatBuffer();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0, n = values.limit(); i < n; i++) {
          chunk.putShort(toBfloat16(values.get(i)));
          if (!chunk.hasRemaining() || i == n - 1) {
            writeFully(channel, chunk.flip());
            chunk.clear();
          }
        }
      }
      default -> throw new IllegalArgumentException("writing " + dtype + " is not supported");
    }
  }

  /** float32 to bfloat16 bits: round to nearest, ties to even; NaN stays a (quiet) NaN. */
  static short toBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  /** IEEE 754 binary16 to float32 (exact: every half value is a float value). */
  static float halfToFloat(short half) {
    int bits = half & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // Zero or subnormal: mantissa * 2^-24, exact in float32.
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      count *= dim;
    }
    return count;
  }

  /** Reads and checks the header; tensor data is read on demand. */
  public static Reader open(Path path) throws IOException {
    return new Reader(path);
  }

  public static final class Reader implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorEntry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private record TensorEntry(DType dtype, long[] shape, long begin, long end) {}

    Reader(Path path) throws IOException {
      this.path = path;
      this.channel = FileChannel.open(path, StandardOpenOption.READ);
      try {
        long size = channel.size();
        ByteBuffer length = readAt(0, 8);
        long headerBytes = length.order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (size < 8 || headerBytes <= 0 || headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > size) {
          throw corrupt("header length " + headerBytes + " does not fit a file of " + size + " bytes");
        }
        dataStart = 8 + headerBytes;
        JsonNode header = JSON.readTree(StandardCharsets.UTF_8.decode(readAt(8, (int) headerBytes)).toString());
        parse(header, size - dataStart);
      } catch (CorruptCheckpointException e) {
        channel.close();
        throw e;
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw corrupt("unreadable header: " + e.getMessage());
      }
    }

    private void parse(JsonNode header, long dataBytes) throws CorruptCheckpointException {
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getKey().equals("__metadata__")) {
          field.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        JsonNode node = field.getValue();
        DType dtype;
        try {
          dtype = DType.parse(node.path("dtype").asText());
        } catch (IllegalArgumentException e) {
          throw corrupt("tensor " + field.getKey() + " has dtype " + node.path("dtype") + ", only F32, BF16 and F16 "
              + "are supported");
        }
        long[] shape = new long[node.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = node.path("shape").get(i).asLong();
        }
        long begin = node.path("data_offsets").path(0).asLong(-1);
        long end = node.path("data_offsets").path(1).asLong(-1);
        if (begin < 0 || end > dataBytes || end - begin != elementCount(shape) * dtype.bytes()) {
          throw corrupt("tensor " + field.getKey() + " has byte range [" + begin + ", " + end
              + ") that does not match its shape or the " + dataBytes + " data bytes present (truncated?)");
        }
        entries.put(field.getKey(), new TensorEntry(dtype, shape, begin, end));
      }
    }

    private ByteBuffer readAt(long position, int bytes) throws IOException {
      ByteBuffer buffer = ByteBuffer.allocate(bytes);
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, position + buffer.position()) < 0) {
          throw corrupt("file ends at byte " + (position + buffer.position()) + ", expected " + (position + bytes));
        }
      }
      return buffer.flip();
    }

    private CorruptCheckpointException corrupt(String problem) {
      return new CorruptCheckpointException(path + ": " + problem);
    }

    public Path path() {
      return path;
    }

    public Map<String, String> metadata() {
      return metadata;
    }

    public Set<String> names() {
      return entries.keySet();
    }

    public boolean contains(String name) {
      return entries.containsKey(name);
    }

    public long[] shape(String name) throws CorruptCheckpointException {
      return entry(name).shape().clone();
    }

    public DType dtype(String name) throws CorruptCheckpointException {
      return entry(name).dtype();
    }

    /** The tensor as float32 values, little-endian, in a heap buffer (for small tensors and tests). */
    public ByteBuffer read(String name) throws IOException {
      TensorEntry entry = entry(name);
      long elements = elementCount(entry.shape());
      ByteBuffer floats = ByteBuffer.allocate(Math.toIntExact(elements * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer raw = readAt(dataStart + entry.begin(), Math.toIntExact(entry.end() - entry.begin()))
          .order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < elements; i++) {
        floats.putFloat(switch (entry.dtype()) {
          case F32 -> raw.getFloat();
          case BF16 -> Float.intBitsToFloat((raw.getShort() & 0xFFFF) << 16);
          case F16 -> halfToFloat(raw.getShort());
        });
      }
      return floats.flip();
    }

    /**
     * The tensor as a float32 array in memory the engine owns, on the manager's device. The file's bytes
     * are mapped and unmapped once copied: libtorch copies float32 itself; BF16 and F16 are converted
     * exactly, chunk by chunk, straight into the new tensor's memory (DJL cannot hand BF16 to libtorch).
     */
    public NDArray tensor(String name, NDManager manager) throws IOException {
      TensorEntry entry = entry(name);
      Shape shape = new Shape(entry.shape());
      if (entry.end() == entry.begin()) {
        return manager.zeros(shape);
      }
      if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        throw new UnsupportedOperationException("safetensors data is little-endian; this machine is not");
      }
      MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + entry.begin(),
          entry.end() - entry.begin());
      try {
        if (entry.dtype() != DType.F32) {
          return converted(mapped, entry.dtype(), shape, manager);
        }
        NDArray alias = manager.create(mapped, shape, DataType.FLOAT32);
        if (alias.getDevice().isGpu()) {
          // The engine copied the bytes to the device already; the result does not use the mapping.
          return alias;
        }
        NDArray owned = alias.duplicate();
        alias.close();
        return owned;
      } finally {
        MappedRegions.unmap(mapped);
      }
    }

    private static NDArray converted(ByteBuffer halves, DType dtype, Shape shape, NDManager manager) {
      boolean onHost = !manager.getDevice().isGpu();
      NDManager host = onHost ? manager : manager.newSubManager(ai.djl.Device.cpu());
      NDArray target = host.create(shape, DataType.FLOAT32);
      java.nio.ShortBuffer source = halves.order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
      java.nio.FloatBuffer destination = target.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
      short[] in = new short[CHUNK];
      float[] out = new float[CHUNK];
      for (int start = 0, n = source.limit(); start < n; start += CHUNK) {
        int length = Math.min(CHUNK, n - start);
        source.get(start, in, 0, length);
        for (int i = 0; i < length; i++) {
          out[i] = dtype == DType.BF16 ? Float.intBitsToFloat((in[i] & 0xFFFF) << 16) : halfToFloat(in[i]);
        }
        destination.put(start, out, 0, length);
      }
      if (onHost) {
        return target;
      }
      NDArray moved = target.toDevice(manager.getDevice(), true);
      moved.attach(manager);
      host.close();
      return moved;
    }

    private TensorEntry entry(String name) throws CorruptCheckpointException {
      TensorEntry entry = entries.get(name);
      if (entry == null) {
        throw corrupt("has no tensor named " + name);
      }
      return entry;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }

    @Override
    public String toString() {
      return path + " " + Arrays.toString(entries.keySet().toArray());
    }
  }
}
