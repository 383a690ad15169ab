package org.emoflow.transforms.tokenizer;

import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.transforms.prepare.ReadDocuments;
import org.emoflow.transforms.prepare.Tallies;

/**
 * The whole train-tokenizer job: input files to a byte-level BPE tokenizer.json. Pre-tokens are counted
 * in parallel ({@link TrainingWords}); the merges are learned from the selected counts on one worker
 * ({@link TrainBpeFn}). The file depends on the counts alone, so it is the same on every runner and
 * parallelism. Rejected records are only counted ({@link TrainTokenizerReport}): prepare, run on the
 * same inputs, rejects the same records and writes them out.
 */
public final class TrainTokenizer extends PTransform<PBegin, PDone> {
  /** The one special token, added after the merges; prepare takes it as EOS (and padding). */
  public static final String EOS_TOKEN = "<|endoftext|>";

  private final List<String> files;
  private final TrainTokenizerSettings settings;

  public TrainTokenizer(List<String> files, TrainTokenizerSettings settings) {
    this.files = List.copyOf(files);
    this.settings = settings;
  }

  @Override
  public PDone expand(PBegin begin) {
    KvCoder<String, Long> tallyCoder = KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    PCollectionTuple read = begin.apply("Read", new ReadDocuments(files, settings.fields(), settings.maxDocumentBytes()));
    PCollectionTuple words = read.get(ReadDocuments.DOCUMENTS)
        .apply("Words", new TrainingWords(settings.minFrequency(), settings.maxWords()));
    PCollection<KV<String, Long>> trained = words.get(TrainingWords.RANKED)
        .apply("TrainBpe", ParDo.of(new TrainBpeFn(settings.vocabSize(), settings.output()))
            .withOutputTags(Tallies.TAG, TupleTagList.empty()))
        .get(Tallies.TAG)
        .setCoder(tallyCoder);
    PCollectionList.of(read.get(Tallies.TAG).setCoder(tallyCoder))
        .and(words.get(Tallies.TAG))
        .and(trained)
        .apply("AllTallies", Flatten.pCollections())
        .apply("PublishTallies", ParDo.of(new PublishTalliesFn()));
    return PDone.in(begin.getPipeline());
  }
}
