package org.emoflow.transforms.tokenizer;

import java.io.Serializable;
import org.emoflow.transforms.io.FieldNames;

/**
 * What {@link TrainTokenizer} needs, validated once in the driver and shipped to workers.
 *
 * @param maxDocumentBytes a record (a JSONL line, or a Parquet row's text) larger than this is rejected
 * @param vocabSize the vocabulary wanted: 256 byte symbols, the learned merges and the EOS token
 * @param minFrequency pre-tokens seen fewer times in the corpus take no part in the merges
 * @param maxWords at most this many of the most frequent pre-tokens reach the trainer (its memory)
 * @param output the local (or shared) path of the tokenizer.json to write, absolute
 */
public record TrainTokenizerSettings(
    FieldNames fields, long maxDocumentBytes, int vocabSize, long minFrequency, int maxWords, String output)
    implements Serializable {}
