package org.emoflow.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw little-endian data. Readable by PyTorch/HF tools and numpy.
 * Only float32 is written here.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER_BYTES = 100L << 20;

  /** A float32 tensor's bytes (little-endian), by name. */
  public record Tensor(String name, long[] shape, ByteBuffer data) {}

  private Safetensors() {}

  public static void write(Path path, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Tensor tensor : tensors) {
      long bytes = tensor.data().remaining();
      if (bytes != elementCount(tensor.shape()) * 4) {
        throw new IllegalArgumentException("tensor " + tensor.name() + " has " + bytes + " bytes for its shape");
      }
      ObjectNode entry = header.putObject(tensor.name());
      entry.put("dtype", "F32");
      var shape = entry.putArray("shape");
      for (long dim : tensor.shape()) {
        shape.add(dim);
      }
      entry.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
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
      for (Tensor tensor : tensors) {
        writeFully(channel, tensor.data().duplicate().order(ByteOrder.LITTLE_ENDIAN));
      }
      channel.force(true);
    }
  }

  private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static long elementCount(long[] shape) {
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
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private record Entry(long[] shape, long begin, long end) {}

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
        if (!"F32".equals(node.path("dtype").asText())) {
          throw corrupt("tensor " + field.getKey() + " has dtype " + node.path("dtype") + ", only F32 is supported");
        }
        long[] shape = new long[node.path("shape").size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = node.path("shape").get(i).asLong();
        }
        long begin = node.path("data_offsets").path(0).asLong(-1);
        long end = node.path("data_offsets").path(1).asLong(-1);
        if (begin < 0 || end > dataBytes || end - begin != elementCount(shape) * 4) {
          throw corrupt("tensor " + field.getKey() + " has byte range [" + begin + ", " + end
              + ") that does not match its shape or the " + dataBytes + " data bytes present (truncated?)");
        }
        entries.put(field.getKey(), new Entry(shape, begin, end));
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

    public Map<String, String> metadata() {
      return metadata;
    }

    public java.util.Set<String> names() {
      return entries.keySet();
    }

    public long[] shape(String name) throws CorruptCheckpointException {
      return entry(name).shape().clone();
    }

    /** The tensor's float32 data, little-endian, in a direct buffer ready to hand to the engine. */
    public ByteBuffer read(String name) throws IOException {
      Entry entry = entry(name);
      ByteBuffer buffer = ByteBuffer.allocateDirect((int) (entry.end() - entry.begin())).order(ByteOrder.LITTLE_ENDIAN);
      long position = dataStart + entry.begin();
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, position + buffer.position()) < 0) {
          throw corrupt("tensor " + name + " is cut short (truncated file)");
        }
      }
      return buffer.flip();
    }

    private Entry entry(String name) throws CorruptCheckpointException {
      Entry entry = entries.get(name);
      if (entry == null) {
        throw corrupt("has no tensor named " + name);
      }
      return entry;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
