package org.emoflow.transforms.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;
import org.emoflow.model.tokenizer.BpeModel;
import org.emoflow.model.tokenizer.BpeTrainer;
import org.emoflow.transforms.prepare.Tallies;

/**
 * The training words to merges, on the one worker that gets the single element, and the tokenizer.json
 * written atomically. Its output is the tallies of what it did.
 */
final class TrainBpeFn extends DoFn<List<KV<String, Long>>, KV<String, Long>> {
  private final int vocabSize;
  private final String output;

  TrainBpeFn(int vocabSize, String output) {
    this.vocabSize = vocabSize;
    this.output = output;
  }

  @ProcessElement
  public void process(ProcessContext context) throws IOException {
    List<KV<String, Long>> words = context.element();
    if (words.isEmpty()) {
      throw new IllegalStateException(
          "no words to train on: every document was rejected, or no pre-token occurs --min-frequency times");
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    words.forEach(word -> counts.put(word.getKey(), word.getValue()));
    BpeModel model = BpeTrainer.train(counts, vocabSize, List.of(TrainTokenizer.EOS_TOKEN));
    model.writeTokenizerJson(Path.of(output));
    Tallies tallies = new Tallies();
    tallies.add(TrainTokenizerReport.KEPT_WORDS, words.size());
    tallies.add(TrainTokenizerReport.VOCAB_SIZE, model.vocab().size());
    tallies.add(TrainTokenizerReport.MERGES, model.merges().size());
    tallies.emit(context);
  }
}
