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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.checkpoint.Checkpoints;
import org.emoflow.model.checkpoint.ModelCheckpoint;
import org.emoflow.model.checkpoint.Safetensors;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.model.io.Json;

/**
 * Writes a fine-tuned pruned model back into its full checkpoint (spec section 7, adapting a subset): the
 * full model's shape and every weight of it, except that each kept routed expert (pruned id i of layer l,
 * source id kept[l][i]) and its router row take the fine-tuned values. With {@link Scope#ALL} the weights
 * the pruned model shares with the full one (embeddings, attention, norms, the shared expert) are taken
 * from the fine-tuned model too. The experts the subset dropped are untouched, bit for bit.
 */
public final class ExpertMerge {
  public static final String METADATA = "merge.json";

  private static final Pattern EXPERT = Pattern.compile("blocks\\.(\\d+)\\.moe\\.experts\\.(\\d+)\\.(.+)");
  private static final Pattern ROUTER = Pattern.compile("blocks\\.(\\d+)\\.moe\\.router\\.weight");

  /** What the merge takes from the fine-tuned model. */
  public enum Scope {
    /** The kept routed experts and their router rows. */
    EXPERTS,
    /** Those and every non-expert weight (the shared expert included). */
    ALL;

    public static Scope parse(String value) {
      try {
        return valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown scope '" + value + "', expected experts or all");
      }
    }
  }

  /** {@code merge.json}: what went into a merged checkpoint. */
  public record Metadata(String fullCheckpoint, String fullModelSha256, String finetunedCheckpoint,
      String finetunedModelSha256, String scope, int[][] keptRoutedExperts) {}

  private ExpertMerge() {}

  /**
   * @param keptRouted [layer][i]: the full model's id of the fine-tuned model's routed expert i (its
   *     pruning.json), which must match the fine-tuned model's shape
   */
  public static void write(ModelCheckpoint full, ModelCheckpoint finetuned, int[][] keptRouted, Scope scope,
      Path target, NDManager manager) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null, "a merge is never overwritten");
    }
    ModelConfig expected = full.restrictedConfig(keptRouted);
    if (!expected.equals(finetuned.config())) {
      throw new IllegalArgumentException(finetuned.directory() + " is not the full model pruned to the recorded "
          + "experts: its config differs from " + full.directory() + " keeping " + (keptRouted[0].length + 1)
          + " experts per layer");
    }
    List<Safetensors.Entry> entries = new ArrayList<>();
    full.parameters().forEach((name, shape) ->
        entries.add(new Safetensors.Entry(name, Safetensors.DType.F32, shape.getShape())));
    Metadata metadata = new Metadata(full.directory().toAbsolutePath().toString(), full.weightsSha256(),
        finetuned.directory().toAbsolutePath().toString(), finetuned.weightsSha256(),
        scope.name().toLowerCase(Locale.ROOT), keptRouted);
    AtomicFiles.write(target, temporary -> {
      Files.createDirectories(temporary);
      Safetensors.write(temporary.resolve(Checkpoints.MODEL), Map.of("format", "pt"), entries, (entry, channel) -> {
        try (NDManager scratch = manager.newSubManager()) {
          Safetensors.writeArray(merged(entry.name(), full, finetuned, keptRouted, scope, scratch),
              Safetensors.DType.F32, channel);
        }
      });
      Files.writeString(temporary.resolve(Checkpoints.CONFIG), full.config().toJson(), StandardCharsets.UTF_8);
      Files.writeString(temporary.resolve(METADATA), Json.write(metadata), StandardCharsets.UTF_8);
      Checkpoints.writeChecksums(temporary);
    });
  }

  private static NDArray merged(String name, ModelCheckpoint full, ModelCheckpoint finetuned, int[][] keptRouted,
      Scope scope, NDManager manager) throws IOException {
    Matcher expert = EXPERT.matcher(name);
    if (expert.matches()) {
      int layer = Integer.parseInt(expert.group(1));
      int pruned = indexOf(keptRouted[layer], Integer.parseInt(expert.group(2)));
      return pruned < 0 ? full.tensor(name, manager)
          : finetuned.tensor("blocks." + layer + ".moe.experts." + pruned + "." + expert.group(3), manager);
    }
    Matcher router = ROUTER.matcher(name);
    if (router.matches()) {
      return routerRows(name, full, finetuned, keptRouted[Integer.parseInt(router.group(1))], manager);
    }
    return scope == Scope.ALL ? finetuned.tensor(name, manager) : full.tensor(name, manager);
  }

  /** The full router with the kept experts' rows replaced by the fine-tuned router's, in order. */
  private static NDArray routerRows(String name, ModelCheckpoint full, ModelCheckpoint finetuned, int[] kept,
      NDManager manager) throws IOException {
    NDArray original = full.tensor(name, manager);
    Shape shape = original.getShape();
    int width = (int) shape.get(1);
    float[] rows = original.toFloatArray();
    float[] tuned = finetuned.tensor(name, manager).toFloatArray();
    for (int i = 0; i < kept.length; i++) {
      System.arraycopy(tuned, i * width, rows, kept[i] * width, width);
    }
    return manager.create(rows, shape);
  }

  private static int indexOf(int[] ascending, int id) {
    int index = Arrays.binarySearch(ascending, id);
    return index >= 0 ? index : -1;
  }

  public static Metadata readMetadata(Path merged) throws IOException {
    return Json.read(Files.readString(merged.resolve(METADATA), StandardCharsets.UTF_8), Metadata.class);
  }
}
