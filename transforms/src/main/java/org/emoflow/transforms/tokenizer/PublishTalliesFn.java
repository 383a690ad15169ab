package org.emoflow.transforms.tokenizer;

import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.KV;

/** Tallies to Beam counters: the driver reads them from the PipelineResult ({@link TrainTokenizerReport}). */
final class PublishTalliesFn extends DoFn<KV<String, Long>, Void> {
  @ProcessElement
  public void process(@Element KV<String, Long> tally) {
    Metrics.counter(TrainTokenizerReport.NAMESPACE, tally.getKey()).inc(tally.getValue());
  }
}
