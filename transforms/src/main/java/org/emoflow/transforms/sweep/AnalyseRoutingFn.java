package org.emoflow.transforms.sweep;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.TupleTag;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.data.PreparedDataset;
import org.emoflow.model.data.SegmentPacker;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.select.DomainRouting;
import org.emoflow.model.select.Specialisation;
import org.emoflow.model.select.TokenRouting;
import org.emoflow.schemas.ExpertRouting;

/**
 * How one MoE checkpoint routes its dataset's validation domains: per domain, layer and expert the token
 * share and mean router probability ({@link DomainRouting}), and the specialisation summary (spec section
 * 7): per domain and layer how concentrated its routing is, per k-means cluster of token routing vectors
 * its size and domain purity. A checkpoint that cannot be analysed is reported on {@link #ERRORS}.
 */
final class AnalyseRoutingFn extends DoFn<SweepCheckpoint, ExpertRouting> {
  static final TupleTag<ExpertRouting> ROUTING = new TupleTag<>("routing") {};
  static final TupleTag<org.emoflow.schemas.Specialisation> SPECIALISATION = new TupleTag<>("specialisation") {};
  static final TupleTag<String> ERRORS = new TupleTag<>("analysis-errors") {};

  private final SweepSettings settings;

  AnalyseRoutingFn(SweepSettings settings) {
    this.settings = settings;
  }

  @Setup
  public void setup() {
    WorkerModels.useThreads(settings.threads());
  }

  @ProcessElement
  public void process(@Element SweepCheckpoint checkpoint, MultiOutputReceiver out) {
    List<ExpertRouting> routing = new ArrayList<>();
    List<org.emoflow.schemas.Specialisation> specialisation = new ArrayList<>();
    try (WorkerModels.Lease lease = WorkerModels.borrow(checkpoint, settings.idleModels())) {
      LanguageModel model = lease.model();
      int sequences = settings.routingSequences() == 0 ? Integer.MAX_VALUE : settings.routingSequences();
      List<PackedSequence> rows = TaskData.dataset(checkpoint).read(PreparedDataset.VALIDATION, sequences);
      DomainRouting domains = DomainRouting.measure(model, rows, settings.batchSize());
      for (DomainRouting.ExpertShare share : domains.shares()) {
        routing.add(new ExpertRouting(settings.runId(), checkpoint.name(), checkpoint.router(), share.domain(),
            share.layer(), share.expert(), share.tokenShare(), share.meanProbability(), share.tokens()));
      }
      for (DomainRouting.Concentration concentration : domains.concentration()) {
        specialisation.add(row(checkpoint).setKind("domain").setDomain(concentration.domain())
            .setLayer(concentration.layer()).setTopQuarterShare(concentration.topQuarterShare()).build());
      }
      List<PackedSequence> sample = sample(rows, TaskData.padId(checkpoint));
      TokenRouting tokens = TokenRouting.collect(model, sample, settings.batchSize());
      Specialisation.Result clusters =
          Specialisation.analyse(tokens, settings.components(), settings.clusters(), settings.seed());
      for (Specialisation.Cluster cluster : clusters.clusters()) {
        specialisation.add(row(checkpoint).setKind("cluster").setCluster(cluster.id()).setSize((long) cluster.size())
            .setMajorityDomain(cluster.majorityDomain()).setPurity(cluster.purity()).build());
      }
    } catch (Exception e) {
      out.get(ERRORS).output(checkpoint.name() + ": " + Failures.describe(e));
      return;
    }
    routing.forEach(out.get(ROUTING)::output);
    specialisation.forEach(out.get(SPECIALISATION)::output);
  }

  /**
   * An equal share of the token budget from every domain, as whole segments in file order, laid out again
   * per domain: the validation split's first rows alone may hold one domain only, and then every cluster
   * would be trivially pure.
   */
  private List<PackedSequence> sample(List<PackedSequence> rows, int padId) {
    Map<String, List<SegmentPacker.Segment>> byDomain = new TreeMap<>();
    for (PackedSequence row : rows) {
      for (String domain : row.domains()) {
        byDomain.computeIfAbsent(domain, d -> new ArrayList<>());
      }
    }
    long share = Math.max(1, settings.specialisationTokens() / Math.max(1, byDomain.size()));
    Map<String, Long> scored = new HashMap<>();
    for (PackedSequence row : rows) {
      int start = 0;
      for (int s = 0; s < row.segmentLengths().length; s++) {
        int length = row.segmentLengths()[s];
        String domain = row.domains()[s];
        if (scored.getOrDefault(domain, 0L) < share) {
          byDomain.get(domain).add(new SegmentPacker.Segment(Arrays.copyOfRange(row.tokens(), start, start + length),
              row.docIds()[s], row.docOffsets()[s], domain));
          scored.merge(domain, (long) length - 1, Long::sum);
        }
        start += length;
      }
    }
    List<PackedSequence> sample = new ArrayList<>();
    int seqLen = rows.isEmpty() ? 1 : rows.get(0).length();
    byDomain.values().forEach(segments -> sample.addAll(SegmentPacker.pack(segments, seqLen, padId)));
    return sample;
  }

  private org.emoflow.schemas.Specialisation.Builder row(SweepCheckpoint checkpoint) {
    return org.emoflow.schemas.Specialisation.newBuilder().setRunId(settings.runId()).setCheckpoint(checkpoint.name())
        .setRouter(checkpoint.router()).setCluster(null).setSize(null).setMajorityDomain(null).setPurity(null)
        .setDomain(null).setLayer(null).setTopQuarterShare(null);
  }
}
