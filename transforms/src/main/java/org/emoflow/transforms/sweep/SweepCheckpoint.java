package org.emoflow.transforms.sweep;

import java.io.Serializable;

/**
 * A checkpoint of the sweep, resolved and verified before the pipeline starts.
 *
 * @param name as the sweep config names it (the {@code checkpoint} column)
 * @param directory the checkpoint directory itself (step-NNNNNNNN, an export or a Hugging Face directory), absolute
 * @param checksumsSha256 its {@link org.emoflow.model.checkpoint.ModelCheckpoint#fingerprint()} (for an emoflow
 *     checkpoint the sha256 of its checksums.sha256): workers check they load the checkpoint that was verified
 * @param router emo, standard or dense
 * @param experts E, the shared expert included (1 for a dense model: its one feed-forward)
 * @param dataDir the prepared dataset it was trained on: its tokenizer, domains and splits
 */
public record SweepCheckpoint(
    String name, String directory, String checksumsSha256, String router, long step, int experts, int topK,
    String dataDir) implements Serializable {

  public boolean isMoe() {
    return !router.equals("dense");
  }

  /** Key of the worker's model cache: the same path with other content is another model. */
  String cacheKey() {
    return directory + "@" + checksumsSha256;
  }
}
