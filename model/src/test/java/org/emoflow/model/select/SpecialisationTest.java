package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.Compute;
import org.emoflow.model.TestBatches;
import org.emoflow.model.data.PackedSequence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Clusters of routing vectors are pure exactly when domains route apart. */
class SpecialisationTest {
  private static final int CLUSTERS = 4;
  /** Domains d0 (tokens 2..49) and d1 (tokens 64..111) side by side in every row, 7 scored tokens each. */
  private static final List<PackedSequence> ROWS = rows();

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Compute.newManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private static List<PackedSequence> rows() {
    List<PackedSequence> rows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      rows.add(TestBatches.row(CraftedModel.SEQ_LEN, TestBatches.run(2 + 8 * i, 8), TestBatches.run(64 + 8 * i, 8)));
    }
    return rows;
  }

  @Test
  void domainsRoutedToDisjointExpertsFormPureClusters() {
    CraftedModel crafted = new CraftedModel(manager).channel(0, 64, 0).channel(64, 128, 1).jitter(0.3, 2);
    for (int layer = 0; layer < 2; layer++) {
      crafted.routerLogits(layer, 0, 3, 2, 1, 0, 0, 0, 0).routerLogits(layer, 1, 0, 0, 0, 1, 2, 3, 0);
    }
    Specialisation.Result result = analyse(crafted);
    assertEquals(1.0, result.purity());
    assertTrue(result.clusters().size() >= 2, result.toString());
    for (Specialisation.Cluster cluster : result.clusters()) {
      assertEquals(1.0, cluster.purity(), cluster.toString());
    }
    assertEquals(6 * 14, result.clusters().stream().mapToInt(Specialisation.Cluster::size).sum());
  }

  @Test
  void domainsRoutedAlikeMixInTheClusters() {
    CraftedModel crafted = new CraftedModel(manager).channel(0, 128, 0).jitter(0.3, 2);
    for (int layer = 0; layer < 2; layer++) {
      crafted.routerLogits(layer, 0, 3, 2, 1, 0, 0, 0, 0);
    }
    Specialisation.Result result = analyse(crafted);
    assertTrue(result.purity() < 0.8, result.toString());
  }

  private Specialisation.Result analyse(CraftedModel crafted) {
    TokenRouting tokens = TokenRouting.collect(crafted.model(), ROWS, 4);
    assertEquals(6 * 14, tokens.tokens());
    assertEquals(2 * 7, tokens.vectors()[0].length);
    return Specialisation.analyse(tokens, Specialisation.DEFAULT_COMPONENTS, CLUSTERS, 1);
  }
}
