package org.emoflow.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;

/**
 * Beam's TestPipeline for JUnit 5 (in Beam 2.62 it is a JUnit 4 rule): an in-memory DirectRunner
 * pipeline whose run fails unless every {@link PAssert} on it ran and passed. An assertion on a
 * transform that never produced its PCollection would otherwise go unnoticed.
 */
public final class TestPipelines {
  private TestPipelines() {}

  public static Pipeline create() {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.setStableUniqueNames(PipelineOptions.CheckEnabled.ERROR);
    return Pipeline.create(options);
  }

  /** Runs to the end; a failed assertion throws, and so does one that did not run. */
  public static PipelineResult run(Pipeline pipeline) {
    int assertions = PAssert.countAsserts(pipeline);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    long passed = 0;
    for (MetricResult<Long> counter : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(PAssert.class, PAssert.SUCCESS_COUNTER)).build()).getCounters()) {
      passed += counter.getAttempted();
    }
    assertEquals(assertions, passed, "PAssert assertions that ran and passed");
    return result;
  }
}
