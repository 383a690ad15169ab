package org.emoflow.transforms.prepare;

import java.io.Serializable;

/**
 * The settings every stage of prepare needs, validated once in the driver and shipped to workers.
 *
 * @param maxDocumentBytes a record (a JSONL line, or a Parquet row's text) larger than this is rejected
 * @param packBucketTokens target tokens per packing bucket: bounds a worker's memory
 * @param packBuckets buckets the documents are hashed into, fixed before the run from the input sizes
 *     and packBucketTokens, so the packing does not depend on the runner
 */
public record PrepareSettings(
    String tokenizer,
    String eosToken,
    int seqLen,
    String packing,
    double validationFraction,
    String textField,
    String idField,
    String domainField,
    long maxDocumentBytes,
    long packBucketTokens,
    int packBuckets,
    int rowsPerFile)
    implements Serializable {}
