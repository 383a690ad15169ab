package org.emoflow.model.select;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.Json;

/**
 * Writes a smaller, self-contained checkpoint that holds only the kept experts: in every layer the kept
 * routed experts and their router rows, renumbered 0..K-2 in ascending source-id order, plus the shared
 * expert and every non-MoE tensor unchanged. Beside {@code model.safetensors} go {@code config.json}
 * (the source's config with K experts), {@link #METADATA} and {@code checksums.sha256}; {@link
 * Checkpoints#loadModel} loads it like any checkpoint. It reads the source's files and builds no model; the
 * kept tensors are held in memory until written.
 */
public final class PrunedExport {
  public static final String METADATA = "pruning.json";
  private static final Pattern MOE_TENSOR =
      Pattern.compile("blocks\\.(\\d+)\\.moe\\.(?:router\\.weight|experts\\.(\\d+)\\.(.+))");

  private PrunedExport() {}

  /** Verifies the source, then builds the export in a temporary directory and renames it to {@code target}. */
  public static void write(Path sourceCheckpoint, Selection selection, Path target) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "an export is never overwritten");
    }
    Checkpoints.verify(sourceCheckpoint);
    ModelConfig source = Checkpoints.readConfig(sourceCheckpoint);
    int[][] kept = keptPerLayer(source, selection);
    Path sourceModel = sourceCheckpoint.resolve(Checkpoints.MODEL);
    PruningMetadata metadata = new PruningMetadata(selection.method(), selection.keptExperts(), source.experts(),
        kept, selection.calibration(), selection.randomSeed(), sourceCheckpoint.toAbsolutePath().toString(),
        Checkpoints.sha256(sourceModel));
    AtomicFiles.write(target, temporary -> {
      Files.createDirectories(temporary);
      try (Safetensors.Reader reader = Safetensors.open(sourceModel)) {
        Safetensors.write(temporary.resolve(Checkpoints.MODEL), Map.of("format", "pt"), keptTensors(reader, kept));
      }
      Files.writeString(temporary.resolve(Checkpoints.CONFIG), source.withExperts(selection.keptExperts()).toJson(),
          StandardCharsets.UTF_8);
      Files.writeString(temporary.resolve(METADATA), Json.write(metadata), StandardCharsets.UTF_8);
      Checkpoints.writeChecksums(temporary);
    });
  }

  public static PruningMetadata readMetadata(Path export) throws IOException {
    return Json.read(Files.readString(export.resolve(METADATA), StandardCharsets.UTF_8), PruningMetadata.class);
  }

  /** The selection's kept ids per layer, once checked to fit the source: K - 1 distinct ascending ids everywhere. */
  private static int[][] keptPerLayer(ModelConfig source, Selection selection) {
    if (!source.router().isMoe()) {
      throw new IllegalArgumentException("a dense model has no experts to prune");
    }
    int keptRouted = ExpertSelector.keptRouted(source, selection.keptExperts());
    if (selection.restriction().layers() != source.layers()) {
      throw new IllegalArgumentException("the selection covers " + selection.restriction().layers()
          + " layers, the checkpoint has " + source.layers());
    }
    int[][] kept = new int[source.layers()][];
    for (int layer = 0; layer < kept.length; layer++) {
      kept[layer] = selection.kept(layer);
      if (!isAscendingSubset(kept[layer], keptRouted, source.routedExperts())) {
        throw new IllegalArgumentException("layer " + layer + " must keep " + keptRouted
            + " distinct ascending routed ids below " + source.routedExperts() + ", got " + Arrays.toString(kept[layer]));
      }
    }
    return kept;
  }

  private static boolean isAscendingSubset(int[] ids, int size, int bound) {
    return ids != null && ids.length == size && IntStream.range(0, size)
        .allMatch(i -> ids[i] >= 0 && ids[i] < bound && (i == 0 || ids[i - 1] < ids[i]));
  }

  /** Every tensor in source order; a kept expert under its new id, a router with its kept rows only. */
  private static List<Safetensors.Tensor> keptTensors(Safetensors.Reader reader, int[][] kept) throws IOException {
    List<Safetensors.Tensor> tensors = new ArrayList<>();
    for (String name : reader.names()) {
      Matcher moe = MOE_TENSOR.matcher(name);
      if (!moe.matches()) {
        tensors.add(new Safetensors.Tensor(name, reader.shape(name), reader.read(name)));
        continue;
      }
      int layer = Integer.parseInt(moe.group(1));
      if (moe.group(2) == null) {
        tensors.add(routerRows(name, reader, kept[layer]));
        continue;
      }
      int newId = Arrays.binarySearch(kept[layer], Integer.parseInt(moe.group(2)));
      if (newId >= 0) {
        String renamed = "blocks." + layer + ".moe.experts." + newId + "." + moe.group(3);
        tensors.add(new Safetensors.Tensor(renamed, reader.shape(name), reader.read(name)));
      }
    }
    return tensors;
  }

  /** The router's weight is [E-1, d], one row per routed expert. */
  private static Safetensors.Tensor routerRows(String name, Safetensors.Reader reader, int[] kept) throws IOException {
    long[] shape = reader.shape(name);
    int rowBytes = Math.toIntExact(shape[1] * Float.BYTES);
    ByteBuffer all = reader.read(name);
    ByteBuffer rows = ByteBuffer.allocate(kept.length * rowBytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int expert : kept) {
      rows.put(all.duplicate().position(expert * rowBytes).limit((expert + 1) * rowBytes));
    }
    return new Safetensors.Tensor(name, new long[] {kept.length, shape[1]}, rows.flip());
  }
}
