package org.emoflow.transforms.prepare;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.PCollectionView;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.transforms.io.AvroJson;
import org.emoflow.schemas.DocumentCounts;
import org.emoflow.schemas.DomainCounts;
import org.emoflow.schemas.InputFile;
import org.emoflow.schemas.PrepareManifest;
import org.emoflow.schemas.PrepareSettings;
import org.emoflow.schemas.SplitCounts;

/**
 * Writes OUT/manifest.json from the pipeline's exact tallies, once every data file is final. For the
 * HuggingFace backend it first copies the tokenizer.json beside it, so the output is self-contained;
 * the spilled tokens, all packed by now, are deleted first.
 */
final class WriteManifestFn extends DoFn<String, String> {
  static final int FORMAT_VERSION = 1;

  private final org.emoflow.transforms.prepare.PrepareSettings settings;
  private final TokenizerInfo tokenizer;
  private final String output;
  private final long startedMillis;
  private final String version;
  private final PCollectionView<Map<String, Long>> tallies;
  private final PCollectionView<List<InputFile>> inputs;

  WriteManifestFn(org.emoflow.transforms.prepare.PrepareSettings settings, TokenizerInfo tokenizer, String output,
      long startedMillis, String version, PCollectionView<Map<String, Long>> tallies,
      PCollectionView<List<InputFile>> inputs) {
    this.settings = settings;
    this.tokenizer = tokenizer;
    this.output = output;
    this.startedMillis = startedMillis;
    this.version = version;
    this.tallies = tallies;
    this.inputs = inputs;
  }

  @ProcessElement
  public void process(ProcessContext context) throws IOException {
    Map<String, Long> counts = context.sideInput(tallies);
    List<InputFile> files = new ArrayList<>(context.sideInput(inputs));
    files.sort(Comparator.comparing(InputFile::getPath));
    Map<String, Long> unusable = byPrefix(counts, UnusableFiles.TALLY_PREFIX);
    if (counts.getOrDefault("packed", 0L) == 0) {
      TokenSpill.delete(output);
      throw new NothingToPackException(nothingToPack(counts, unusable));
    }
    PrepareManifest manifest = new PrepareManifest(
        FORMAT_VERSION, version, Instant.now().toString(), settingsRecord(),
        new DocumentCounts(counts.getOrDefault("read", 0L), counts.getOrDefault("packed", 0L),
            counts.getOrDefault("rejected", 0L), counts.getOrDefault("blank_lines", 0L)),
        domains(counts), byPrefix(counts, "reason:"), splits(counts), files, unusable,
        (System.currentTimeMillis() - startedMillis) / 1000.0);
    ResourceId directory = FileSystems.matchNewResource(output, true);
    if (tokenizer.backend().equals("huggingface")) {
      FileSystems.copy(List.of(FileSystems.matchNewResource(tokenizer.spec(), false)),
          List.of(directory.resolve("tokenizer.json", ResolveOptions.StandardResolveOptions.RESOLVE_FILE)));
    }
    TokenSpill.delete(output);
    writeAtomically(directory, "manifest.json", AvroJson.pretty(manifest));
    context.output(context.element());
  }

  private String nothingToPack(Map<String, Long> counts, Map<String, Long> unusable) {
    long read = counts.getOrDefault("read", 0L);
    String reasons = byPrefix(counts, "reason:").entrySet().stream()
        .map(reason -> reason.getKey() + ": " + reason.getValue()).collect(Collectors.joining(", "));
    return "nothing to pack: " + (read == 0 ? "no records read" : read + " records read, all rejected (" + reasons
        + "; see " + output + "/rejected)") + "; no usable document in " + UnusableFiles.describe(unusable);
  }

  private PrepareSettings settingsRecord() {
    return new PrepareSettings(tokenizer.spec(), tokenizer.backend(), tokenizer.fingerprint(), tokenizer.vocabSize(),
        tokenizer.eosId(), tokenizer.padId(), settings.seqLen(), settings.packing(), settings.validationFraction(),
        settings.domainField(), settings.textField(), settings.idField(), settings.maxDocumentBytes(),
        settings.packBucketTokens(), settings.packBuckets());
  }

  private static Map<String, DomainCounts> domains(Map<String, Long> counts) {
    Map<String, DomainCounts> domains = new TreeMap<>();
    for (String key : counts.keySet()) {
      if (key.startsWith("domain.")) {
        String domain = key.substring(key.indexOf(':') + 1);
        domains.computeIfAbsent(domain, d -> new DomainCounts(
            counts.getOrDefault("domain.read:" + d, 0L), counts.getOrDefault("domain.packed:" + d, 0L),
            counts.getOrDefault("domain.rejected:" + d, 0L),
            counts.getOrDefault("domain." + PreparedDataset.TRAIN + "_documents:" + d, 0L),
            counts.getOrDefault("domain." + PreparedDataset.VALIDATION + "_documents:" + d, 0L),
            counts.getOrDefault("domain.tokens:" + d, 0L)));
      }
    }
    return domains;
  }

  private static Map<String, SplitCounts> splits(Map<String, Long> counts) {
    Map<String, SplitCounts> splits = new TreeMap<>();
    for (String split : List.of(PreparedDataset.TRAIN, PreparedDataset.VALIDATION)) {
      splits.put(split, new SplitCounts(
          counts.getOrDefault("split.documents:" + split, 0L), counts.getOrDefault("split.pieces:" + split, 0L),
          counts.getOrDefault("split.sequences:" + split, 0L), counts.getOrDefault("split.tokens:" + split, 0L),
          counts.getOrDefault("split.padding_tokens:" + split, 0L)));
    }
    return splits;
  }

  private static Map<String, Long> byPrefix(Map<String, Long> counts, String prefix) {
    Map<String, Long> selected = new TreeMap<>();
    counts.forEach((key, value) -> {
      if (key.startsWith(prefix)) {
        selected.put(key.substring(prefix.length()), value);
      }
    });
    return selected;
  }

  /** Temporary file beside the target, then a rename: readers never see a partial manifest. */
  static void writeAtomically(ResourceId directory, String name, String content) throws IOException {
    ResourceId target = directory.resolve(name, ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
    ResourceId temporary = directory.resolve("_tmp." + name + "." + UUID.randomUUID(),
        ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
    try (OutputStream out = Channels.newOutputStream(FileSystems.create(temporary, "application/json"))) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
    FileSystems.rename(List.of(temporary), List.of(target), MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
  }
}
