package org.emoflow.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * What one MoE layer decided in one forward pass.
 *
 * @param probabilities [T, E-1] the distribution top-k was taken from (for EMO, renormalised over the
 *     pool); differentiable, it feeds the load-balancing loss
 * @param routedProbabilities [T, E-1] p = softmax of the router logits over the (kept) routed experts,
 *     before EMO's pool mask (detached where a pool applies): what expert selection ranks by (spec 6)
 * @param logSumExp [T] log-sum-exp of the (pool-masked) router logits; feeds the z-loss
 * @param topExperts host copy of the chosen routed experts, [T * k], token-major
 * @param topWeights [T, k] the gate values of the chosen experts (not renormalised over the k)
 * @param assignments per routed expert, how many real (non-padding) tokens chose it
 * @param pool [S, E-1] boolean pool membership per segment (per batch row when the pools were given), or null
 *     without a pool
 * @param expertOutputNorms [T, k] L2 norm of each chosen expert's output, or null when not asked for
 */
public record LayerRouting(
    NDArray probabilities,
    NDArray routedProbabilities,
    NDArray logSumExp,
    long[] topExperts,
    NDArray topWeights,
    long[] assignments,
    NDArray pool,
    NDArray expertOutputNorms) {}
