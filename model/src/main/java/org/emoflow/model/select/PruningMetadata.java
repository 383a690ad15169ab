package org.emoflow.model.select;

import java.util.List;

/**
 * {@code pruning.json} of a pruned checkpoint: where it came from and which experts it kept.
 *
 * @param keptExperts K, experts per layer counting the shared one
 * @param sourceExperts E of the source checkpoint
 * @param keptRoutedExperts [layer][i]: the source id of routed expert i of the pruned checkpoint (ascending)
 * @param calibration null for {@link SelectionMethod#RANDOM}
 * @param randomSeed null unless {@link SelectionMethod#RANDOM}
 * @param sourceCheckpoint absolute path of the source checkpoint directory
 * @param sourceModelSha256 sha256 of the source's model.safetensors
 * @param members for a composition ({@link Composition}) the tasks composed, each of which selected
 *     {@code memberKeptExperts}; null for one task
 * @param memberKeptExperts K of each member of a composition (keptExperts is then the padded union's K')
 */
public record PruningMetadata(
    SelectionMethod method,
    int keptExperts,
    int sourceExperts,
    int[][] keptRoutedExperts,
    CalibrationFingerprint calibration,
    Long randomSeed,
    String sourceCheckpoint,
    String sourceModelSha256,
    List<String> members,
    Integer memberKeptExperts) {}
