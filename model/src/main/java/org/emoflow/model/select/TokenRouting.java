package org.emoflow.model.select;

import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.ForwardContext;
import org.emoflow.model.nn.LanguageModel;

/**
 * Per scored token, the full model's routed-probability vectors of all layers concatenated (layer-major,
 * L x (E-1) values), with the token's domain: the input of the specialisation analysis. Memory grows with
 * tokens x L x (E-1), so callers pass a sample of documents.
 */
public record TokenRouting(float[][] vectors, String[] domains) {

  public static TokenRouting collect(LanguageModel model, List<PackedSequence> rows, int batchSize) {
    int layers = model.config().layers();
    int routed = model.config().routedExperts();
    List<float[]> vectors = new ArrayList<>();
    List<String> domains = new ArrayList<>();
    RoutingPasses.run(model, rows, batchSize, null, false, (PackedBatch batch, ForwardContext context) -> {
      float[][] probabilities = new float[layers][];
      for (int layer = 0; layer < layers; layer++) {
        probabilities[layer] = context.routing(layer).probabilities().toFloatArray();
      }
      for (int t = 0; t < batch.totalTokens(); t++) {
        if (batch.scored[t] == 0f) {
          continue;
        }
        float[] vector = new float[layers * routed];
        for (int layer = 0; layer < layers; layer++) {
          System.arraycopy(probabilities[layer], t * routed, vector, layer * routed, routed);
        }
        vectors.add(vector);
        domains.add(batch.segmentDomains[(int) batch.segmentOfToken[t]]);
      }
    });
    return new TokenRouting(vectors.toArray(float[][]::new), domains.toArray(String[]::new));
  }

  public int tokens() {
    return vectors.length;
  }
}
