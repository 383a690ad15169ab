package org.emoflow.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  private static final float[] FIRST = {1.5f, -2.25f, 3e-8f, 4e7f, 0f, -0f};
  private static final float[] SECOND = {0.1f, Float.MIN_NORMAL, -7f, 1f / 3};
  private static final Map<String, String> METADATA = Map.of("format", "pt", "step", "7");

  /** Parses the file the way the format is specified, with numpy's little-endian float32 for the data. */
  private static final String NUMPY_READER = String.join("\n",
      "import json, struct, sys",
      "import numpy as np",
      "raw = open(sys.argv[1], 'rb').read()",
      "n = struct.unpack('<Q', raw[:8])[0]",
      "header = json.loads(raw[8:8 + n])",
      "for name, entry in header.items():",
      "    if name == '__metadata__':",
      "        continue",
      "    begin, end = entry['data_offsets']",
      "    array = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype='<f4').reshape(entry['shape'])",
      "    values = ' '.join(repr(float(v)) for v in array.ravel())",
      "    print('|'.join([name, entry['dtype'], ','.join(str(d) for d in array.shape), values]))");

  @Test
  void tensorsAndMetadataRoundTrip(@TempDir Path directory) throws IOException {
    Path file = write(directory);
    try (Safetensors.Reader reader = Safetensors.open(file)) {
      assertEquals(List.of("layer.weight", "bias"), new ArrayList<>(reader.names()));
      assertArrayEquals(new long[] {2, 3}, reader.shape("layer.weight"));
      assertArrayEquals(new long[] {4}, reader.shape("bias"));
      assertArrayEquals(FIRST, floats(reader.read("layer.weight")));
      assertArrayEquals(SECOND, floats(reader.read("bias")));
      assertEquals(METADATA, reader.metadata());
      CorruptCheckpointException missing = assertThrows(CorruptCheckpointException.class, () -> reader.read("absent"));
      assertTrue(missing.getMessage().contains(file.toString()), missing.getMessage());
    }
  }

  @Test
  void layoutIsAnEightByteLengthAPaddedJsonHeaderThenContiguousData(@TempDir Path directory) throws IOException {
    byte[] bytes = Files.readAllBytes(write(directory));
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLength % 8, "the data starts 8-byte aligned");
    JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
    assertEquals("F32", header.path("layer.weight").path("dtype").asText());
    assertEquals("[0,24]", header.path("layer.weight").path("data_offsets").toString());
    assertEquals("[24,40]", header.path("bias").path("data_offsets").toString());
    assertEquals("7", header.path("__metadata__").path("step").asText());
    assertEquals(8 + headerLength + 4 * (FIRST.length + SECOND.length), bytes.length);
  }

  @Test
  void numpyReadsTheSameValues(@TempDir Path directory) throws IOException, InterruptedException {
    Assumptions.assumeTrue(run("python3", "-c", "import numpy").exitCode() == 0,
        "python3 with numpy is not installed: the independent numpy read is skipped");
    Path file = write(directory);
    Output numpy = run("python3", "-c", NUMPY_READER, file.toString());
    assertEquals(0, numpy.exitCode(), numpy.text());
    List<String> lines = numpy.text().lines().toList();
    assertEquals(2, lines.size(), numpy.text());
    assertNumpyLine("layer.weight", new long[] {2, 3}, FIRST, lines.get(0));
    assertNumpyLine("bias", new long[] {4}, SECOND, lines.get(1));
  }

  @Test
  void truncatedFileIsRefusedNamingIt(@TempDir Path directory) throws IOException {
    Path file = write(directory);
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - 5));
    CorruptCheckpointException refused = assertThrows(CorruptCheckpointException.class, () -> Safetensors.open(file).close());
    assertTrue(refused.getMessage().startsWith(file.toString()), refused.getMessage());
    assertTrue(refused.getMessage().contains("truncated"), refused.getMessage());
  }

  @Test
  void dataThatDoesNotFitTheShapeIsNotWritten(@TempDir Path directory) {
    List<Safetensors.Tensor> wrong = List.of(new Safetensors.Tensor("w", new long[] {3}, buffer(SECOND)));
    assertThrows(IllegalArgumentException.class, () -> Safetensors.write(directory.resolve("w.safetensors"), Map.of(), wrong));
  }

  private static Path write(Path directory) throws IOException {
    Path file = directory.resolve("tensors.safetensors");
    Safetensors.write(file, METADATA, List.of(
        new Safetensors.Tensor("layer.weight", new long[] {2, 3}, buffer(FIRST)),
        new Safetensors.Tensor("bias", new long[] {4}, buffer(SECOND))));
    return file;
  }

  private static ByteBuffer buffer(float[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buffer.putFloat(v);
    }
    return buffer.flip();
  }

  private static float[] floats(ByteBuffer data) {
    float[] values = new float[data.remaining() / 4];
    data.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  /** name|dtype|shape|values, values as Python reprs of the float32 values (exact in a double). */
  private static void assertNumpyLine(String name, long[] shape, float[] values, String line) {
    String[] fields = line.split("\\|");
    assertEquals(name, fields[0]);
    assertEquals("F32", fields[1]);
    assertArrayEquals(shape, Arrays.stream(fields[2].split(",")).mapToLong(Long::parseLong).toArray());
    String[] numbers = fields[3].split(" ");
    float[] parsed = new float[numbers.length];
    for (int i = 0; i < numbers.length; i++) {
      parsed[i] = (float) Double.parseDouble(numbers[i]);
    }
    assertArrayEquals(values, parsed);
  }

  private record Output(int exitCode, String text) {}

  private static Output run(String... command) throws IOException, InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException notInstalled) {
      return new Output(-1, notInstalled.getMessage());
    }
    String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(60, TimeUnit.SECONDS);
    return new Output(process.exitValue(), text);
  }
}
