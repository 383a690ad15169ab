package org.emoflow.transforms.sweep;

import java.io.Serializable;

/**
 * How a sweep's workers run.
 *
 * @param batchSize rows per forward pass
 * @param evalDocuments validation documents per LM task (0: all)
 * @param evalExamples examples per multiple-choice or generative task (0: all)
 * @param threads libtorch intra-op threads per worker JVM (0: libtorch's default)
 * @param idleModels loaded models a worker JVM keeps while no element uses them
 * @param analysis whether to write the routing and specialisation tables
 * @param routingSequences validation rows the routing shares are measured on (0: all)
 * @param specialisationTokens tokens whose routing vectors are clustered, an equal share from every domain
 *     (memory grows with tokens x L x E)
 * @param seed for the analysis (PCA and k-means initialisation)
 * @param finetuneLr peak learning rate of a cell's fine-tune
 * @param finetuneBatch sequences per optimizer step of a cell's fine-tune
 */
public record SweepSettings(
    String runId, int batchSize, int evalDocuments, int evalExamples, int threads, int idleModels,
    boolean analysis, int routingSequences, int specialisationTokens, int clusters, int components, long seed,
    double finetuneLr, int finetuneBatch) implements Serializable {}
