package org.emoflow.model.train;

/**
 * What one optimizer step measured. Losses are over the step's global batch: cross-entropy per scored
 * token; the auxiliary losses averaged over layers and before their weights.
 */
public record StepResult(
    double loss,
    double lbLoss,
    double zLoss,
    double totalLoss,
    double gradNorm,
    long tokens,
    ExpertLoad load) {}
