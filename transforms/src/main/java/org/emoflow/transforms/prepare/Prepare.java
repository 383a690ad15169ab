package org.emoflow.transforms.prepare;

import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Sum;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.emoflow.schemas.InputFile;
import org.emoflow.schemas.RejectedDocument;
import org.emoflow.transforms.io.ParquetWrite;

/**
 * The whole prepare job: input files to OUT/sequences/split={train,validation}/*.parquet, dead letters
 * in OUT/rejected/*.parquet, and OUT/manifest.json, written last. Its output is one element, the
 * output directory, emitted once the manifest is written: later stages wait on it.
 */
public final class Prepare extends PTransform<PBegin, PCollection<String>> {
  /** What prepare writes in its output directory besides manifest.json, for clearing it before a run. */
  public static final List<String> OUTPUTS = List.of("sequences", "rejected", "tokenizer.json", TokenSpill.DIRECTORY);

  private final List<String> files;
  private final PrepareSettings settings;
  private final TokenizerInfo tokenizer;
  private final String output;
  private final String version;

  public Prepare(List<String> files, PrepareSettings settings, TokenizerInfo tokenizer, String output, String version) {
    this.files = List.copyOf(files);
    this.settings = settings;
    this.tokenizer = tokenizer;
    this.output = output;
    this.version = version;
  }

  @Override
  public PCollection<String> expand(PBegin begin) {
    long started = System.currentTimeMillis();
    PCollectionTuple read = begin.apply("ReadAndTokenize", new ReadAndTokenize(files, settings, output));
    PCollectionTuple packed = read.apply("Pack", new PackSequences(settings, tokenizer.padId(), output));
    WriteFilesResult<Void> rejected = read.get(ReadAndTokenize.REJECTED)
        .apply("WriteRejected", ParquetWrite.of(RejectedDocument.class, output + "/rejected").withNumShards(1));

    KvCoder<String, Long> tallyCoder = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    PCollectionView<Map<String, Long>> tallies = PCollectionList
        .of(read.get(Tallies.TAG))
        .and(packed.get(Tallies.TAG).setCoder(tallyCoder))
        .apply("AllTallies", Flatten.pCollections())
        .apply("SumTallies", Sum.longsPerKey())
        .apply("TalliesAsMap", View.asMap());
    PCollectionView<List<InputFile>> inputs = read.get(ReadAndTokenize.INPUT_FILES).apply("InputsAsList", View.asList());
    return begin.apply("ManifestTrigger", Create.of(output))
        .apply("AfterAllFiles", Wait.on(
            packed.get(PackSequences.FILES),
            rejected.getPerDestinationOutputFilenames()))
        .apply("WriteManifest", ParDo.of(new WriteManifestFn(settings, tokenizer, output, started, version, tallies, inputs))
            .withSideInputs(tallies, inputs));
  }
}
