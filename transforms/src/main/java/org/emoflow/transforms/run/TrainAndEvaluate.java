package org.emoflow.transforms.run;

import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.schemas.VariantValidation;

/**
 * The training stages, once the prepared data is there (its signal), then the evaluation of each final
 * checkpoint. Stages are spread over workers (on Flink, one per slot); each worker JVM runs at most
 * {@code computeSlots} training processes and evaluations at once.
 */
public final class TrainAndEvaluate extends PTransform<PCollection<String>, PCollectionTuple> {
  public static final TupleTag<StageResult> TRAINED = new TupleTag<>("trained") {};
  public static final TupleTag<StageResult> EVALUATED = EvaluateFn.STAGES;
  public static final TupleTag<VariantValidation> VALIDATION = EvaluateFn.VALIDATION;

  private final List<TrainingJob> jobs;
  private final String preparedDir;
  private final int evaluationSequences;
  private final String evaluationDir;
  private final int computeSlots;

  /** @param computeSlots training processes and evaluations a worker JVM runs at once */
  public TrainAndEvaluate(List<TrainingJob> jobs, String preparedDir, int evaluationSequences, String evaluationDir,
      int computeSlots) {
    this.jobs = List.copyOf(jobs);
    this.preparedDir = preparedDir;
    this.evaluationSequences = evaluationSequences;
    this.evaluationDir = evaluationDir;
    this.computeSlots = computeSlots;
  }

  @Override
  public PCollectionTuple expand(PCollection<String> prepared) {
    PCollection<StageResult> trained = prepared.getPipeline()
        .apply("Jobs", Create.of(jobs).withCoder(SerializableCoder.of(TrainingJob.class)))
        .apply("AfterPrepare", Wait.on(prepared))
        .apply("SpreadOverWorkers", Reshuffle.viaRandomKey())
        .apply("Train", ParDo.of(new TrainStageFn()))
        .setCoder(SerializableCoder.of(StageResult.class));
    PCollectionTuple evaluated = trained.apply("Evaluate",
        ParDo.of(new EvaluateFn(preparedDir, evaluationSequences, evaluationDir, computeSlots))
            .withOutputTags(VALIDATION, TupleTagList.of(EVALUATED)));
    evaluated.get(VALIDATION).setCoder(AvroCoder.specific(VariantValidation.class));
    evaluated.get(EVALUATED).setCoder(SerializableCoder.of(StageResult.class));
    return PCollectionTuple.of(TRAINED, trained)
        .and(VALIDATION, evaluated.get(VALIDATION))
        .and(EVALUATED, evaluated.get(EVALUATED));
  }
}
