package org.emoflow.model.select;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.emoflow.model.Compute;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.nn.LanguageModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Per-domain routing statistics: shares are distributions, and a crafted router gives known values. */
class DomainRoutingTest {
  private static final int SEQ_LEN = CraftedModel.SEQ_LEN;

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = Compute.newManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void tokenSharesAndMeanProbabilitiesAreDistributionsOverExperts() {
    LanguageModel model = new LanguageModel(TestModels.tiny(RouterKind.EMO, SEQ_LEN), manager, 8);
    List<PackedSequence> rows = List.of(
        TestBatches.row(SEQ_LEN, TestBatches.run(4, 6), TestBatches.run(50, 4), TestBatches.run(90, 5)),
        TestBatches.row(SEQ_LEN, TestBatches.run(20, 9), TestBatches.run(70, 3)));
    DomainRouting routing = DomainRouting.measure(model, rows, 1);
    assertEquals(List.of("d0", "d1", "d2"), routing.domains());
    assertEquals(3 * 2 * 7, routing.shares().size());
    Map<String, List<DomainRouting.ExpertShare>> byDomainAndLayer = routing.shares().stream()
        .collect(Collectors.groupingBy(share -> share.domain() + "/" + share.layer()));
    assertEquals(6, byDomainAndLayer.size());
    byDomainAndLayer.forEach((key, shares) -> {
      assertEquals(1.0, shares.stream().mapToDouble(DomainRouting.ExpertShare::tokenShare).sum(), 1e-9, key);
      assertEquals(1.0, shares.stream().mapToDouble(DomainRouting.ExpertShare::meanProbability).sum(), 1e-5, key);
    });
    // Scored tokens: a segment of n tokens scores n - 1 of them.
    Map<String, Long> tokens = Map.of("d0", 5L + 8L, "d1", 3L + 2L, "d2", 4L);
    routing.shares().forEach(share -> assertEquals(tokens.get(share.domain()), share.tokens(), share.toString()));
  }

  /**
   * d0 sends every token to experts 0 and 1; d1 sends half its scored tokens to 2 and 3, half to 4 and 5. With
   * 7 routed experts the top quarter is 2 experts: they take all of d0's assignments and half of d1's.
   */
  @Test
  void concentrationIsTheTopQuarterOfExpertsShareOfTheDomainsAssignments() {
    CraftedModel crafted = new CraftedModel(manager).channel(0, 64, 0).channel(64, 68, 1).channel(68, 128, 4);
    for (int layer = 0; layer < 2; layer++) {
      crafted.routerLogits(layer, 0, 4, 4, 0, 0, 0, 0, 0)
          .routerLogits(layer, 1, 0, 0, 4, 4, 0, 0, 0)
          .routerLogits(layer, 4, 0, 0, 0, 0, 4, 4, 0);
    }
    // d1 holds tokens 64..72: 64-67 and 68-71 are scored, 72 (the last) is not.
    List<PackedSequence> rows = List.of(TestBatches.row(SEQ_LEN, TestBatches.run(2, 7), TestBatches.run(64, 9)));
    DomainRouting routing = DomainRouting.measure(crafted.model(), rows, 1);

    Map<String, Double> concentration = routing.concentration().stream()
        .collect(Collectors.toMap(c -> c.domain() + "/" + c.layer(), DomainRouting.Concentration::topQuarterShare));
    assertEquals(Map.of("d0/0", 1.0, "d0/1", 1.0, "d1/0", 0.5, "d1/1", 0.5), concentration);
    double favourite = Math.exp(4) / (2 * Math.exp(4) + 5);
    for (DomainRouting.ExpertShare share : routing.shares()) {
      boolean chosen = share.domain().equals("d0") ? share.expert() < 2 : share.expert() >= 2 && share.expert() < 6;
      double expectedShare = chosen ? (share.domain().equals("d0") ? 0.5 : 0.25) : 0;
      assertEquals(expectedShare, share.tokenShare(), 1e-12, share.toString());
      if (share.domain().equals("d0")) {
        assertEquals(chosen ? favourite : 1 / (2 * Math.exp(4) + 5), share.meanProbability(), 1e-4, share.toString());
      }
    }
  }
}
