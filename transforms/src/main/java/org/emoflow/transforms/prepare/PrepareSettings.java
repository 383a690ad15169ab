package org.emoflow.transforms.prepare;

import java.io.Serializable;

/**
 * The settings every stage of prepare needs, validated once in the driver and shipped to workers.
 *
 * @param maxDocumentBytes a record (a JSONL line, or a Parquet row's text) larger than this is rejected
 * @param packBucketTokens documents are packed in buckets of about this many tokens: deterministic
 *     whatever the runner, and bounded worker memory
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
    int rowsPerFile)
    implements Serializable {}
