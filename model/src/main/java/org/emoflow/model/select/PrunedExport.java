package org.emoflow.model.select;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.Json;
import org.emoflow.model.nn.LanguageModel;

/**
 * Writes a smaller, self-contained checkpoint that holds only the kept experts: in every layer the kept
 * routed experts and their router rows, renumbered 0..K-2 in ascending source-id order, plus the shared
 * expert and every non-MoE tensor unchanged. Beside {@code model.safetensors} go {@code config.json}
 * (the source's config with K experts), {@link #METADATA} and {@code checksums.sha256}; {@link
 * Checkpoints#loadModel} loads it like any checkpoint. The source may be of either layout ({@link
 * ModelCheckpoint}); it builds no model, and streams the kept tensors one at a time (float32).
 */
public final class PrunedExport {
  public static final String METADATA = "pruning.json";

  private PrunedExport() {}

  /** Opens (and checks) the source, then writes the export; see {@link #write(ModelCheckpoint, Selection, Path, NDManager)}. */
  public static void write(Path sourceCheckpoint, Selection selection, Path target) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "an export is never overwritten");
    }
    try (NDManager manager = Compute.newManager();
        ModelCheckpoint source = ModelCheckpoint.open(sourceCheckpoint, manager)) {
      write(source, selection, target, manager);
    }
  }

  /** Builds the export in a temporary directory and renames it to {@code target}. */
  public static void write(ModelCheckpoint source, Selection selection, Path target, NDManager manager)
      throws IOException {
    write(source, selection, null, null, target, manager);
  }

  /**
   * A composition's export: as {@link #write(ModelCheckpoint, Selection, Path, NDManager)} of its padded
   * union, with the members recorded in {@link #METADATA}.
   */
  public static void write(ModelCheckpoint source, Composition composition, List<String> members, Path target,
      NDManager manager) throws IOException {
    write(source, composition.composed(), members, composition.members().get(0).keptExperts(), target, manager);
  }

  private static void write(ModelCheckpoint source, Selection selection, List<String> members,
      Integer memberKeptExperts, Path target, NDManager manager) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "an export is never overwritten");
    }
    ModelConfig config = source.config();
    int[][] kept = keptPerLayer(config, selection);
    ModelConfig pruned = source.restrictedConfig(kept);
    Map<String, Shape> shapes = LanguageModel.parameterShapes(pruned, manager);
    List<Safetensors.Entry> entries = new ArrayList<>();
    shapes.forEach((name, shape) -> entries.add(new Safetensors.Entry(name, Safetensors.DType.F32, shape.getShape())));
    PruningMetadata metadata = new PruningMetadata(selection.method(), selection.keptExperts(), config.experts(),
        kept, selection.calibration(), selection.randomSeed(), source.directory().toAbsolutePath().toString(),
        source.weightsSha256(), members, memberKeptExperts);
    AtomicFiles.write(target, temporary -> {
      Files.createDirectories(temporary);
      Safetensors.write(temporary.resolve(Checkpoints.MODEL), Map.of("format", "pt"), entries, (entry, channel) -> {
        try (NDArray tensor = source.restrictedTensor(entry.name(), kept, manager)) {
          Safetensors.writeArray(tensor, Safetensors.DType.F32, channel);
        }
      });
      Files.writeString(temporary.resolve(Checkpoints.CONFIG), pruned.toJson(), StandardCharsets.UTF_8);
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
            + " distinct ascending routed ids below " + source.routedExperts() + ", got "
            + java.util.Arrays.toString(kept[layer]));
      }
    }
    return kept;
  }

  private static boolean isAscendingSubset(int[] ids, int size, int bound) {
    return ids != null && ids.length == size && java.util.stream.IntStream.range(0, size)
        .allMatch(i -> ids[i] >= 0 && ids[i] < bound && (i == 0 || ids[i - 1] < ids[i]));
  }
}
