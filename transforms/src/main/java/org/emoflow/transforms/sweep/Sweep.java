package org.emoflow.transforms.sweep;

import java.util.List;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.extensions.avro.coders.AvroCoder;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTagList;
import org.emoflow.schemas.ExpertRouting;
import org.emoflow.schemas.KeptExperts;
import org.emoflow.schemas.Specialisation;
import org.emoflow.schemas.SweepResult;
import org.emoflow.transforms.io.ParquetWrite;

/**
 * An expert-pruning sweep: cell groups (checkpoint x task x calibration set) are spread over the workers,
 * each selects its cells' experts from one calibration pass, the selected cells are spread again and
 * evaluated one by one on models the workers keep loaded. The routing analysis of each MoE checkpoint
 * runs beside them. Every table is written as Parquet, then published at once; the output is the run id,
 * emitted once the manifest is written.
 */
public final class Sweep extends PTransform<PBegin, PCollection<String>> {
  private final List<CellGroup> groups;
  private final List<SweepCheckpoint> analysed;
  private final SweepSettings settings;
  private final SweepOutput output;

  /** @param analysed the checkpoints whose routing is analysed (MoE ones; none when analysis is off) */
  public Sweep(List<CellGroup> groups, List<SweepCheckpoint> analysed, SweepSettings settings, SweepOutput output) {
    this.groups = List.copyOf(groups);
    this.analysed = List.copyOf(analysed);
    this.settings = settings;
    this.output = output;
  }

  @Override
  public PCollection<String> expand(PBegin begin) {
    PCollectionTuple evaluated = begin
        .apply("CellGroups", Create.of(groups).withCoder(SerializableCoder.of(CellGroup.class)))
        .apply("SpreadGroups", Reshuffle.viaRandomKey())
        .apply("SelectExperts", ParDo.of(new SelectExpertsFn(settings)))
        .setCoder(SerializableCoder.of(SelectedCell.class))
        .apply("SpreadCells", Reshuffle.viaRandomKey())
        .apply("EvaluateCells", ParDo.of(new EvaluateCellFn(settings))
            .withOutputTags(EvaluateCellFn.RESULTS, TupleTagList.of(EvaluateCellFn.KEPT)));
    PCollection<SweepResult> results =
        evaluated.get(EvaluateCellFn.RESULTS).setCoder(AvroCoder.of(SweepResult.class));
    PCollection<KeptExperts> kept = evaluated.get(EvaluateCellFn.KEPT).setCoder(AvroCoder.of(KeptExperts.class));

    PCollectionTuple analysis = begin
        .apply("AnalysedCheckpoints", Create.of(analysed).withCoder(SerializableCoder.of(SweepCheckpoint.class)))
        .apply("SpreadCheckpoints", Reshuffle.viaRandomKey())
        .apply("AnalyseRouting", ParDo.of(new AnalyseRoutingFn(settings))
            .withOutputTags(AnalyseRoutingFn.ROUTING,
                TupleTagList.of(AnalyseRoutingFn.SPECIALISATION).and(AnalyseRoutingFn.ERRORS)));
    PCollection<ExpertRouting> routing =
        analysis.get(AnalyseRoutingFn.ROUTING).setCoder(AvroCoder.of(ExpertRouting.class));
    PCollection<Specialisation> specialisation =
        analysis.get(AnalyseRoutingFn.SPECIALISATION).setCoder(AvroCoder.of(Specialisation.class));
    PCollection<String> analysisErrors = analysis.get(AnalyseRoutingFn.ERRORS).setCoder(StringUtf8Coder.of());

    WriteFilesResult<Void> resultFiles = results.apply("WriteSweep",
        ParquetWrite.of(SweepResult.class, output.staged(SweepOutput.SWEEP)).withNumShards(1));
    WriteFilesResult<Void> keptFiles = kept.apply("WriteKeptExperts",
        ParquetWrite.of(KeptExperts.class, output.staged(SweepOutput.KEPT_EXPERTS)).withNumShards(1));
    WriteFilesResult<Void> routingFiles = routing.apply("WriteRouting",
        ParquetWrite.of(ExpertRouting.class, output.staged(SweepOutput.ROUTING)).withNumShards(1));
    WriteFilesResult<Void> specialisationFiles = specialisation.apply("WriteSpecialisation",
        ParquetWrite.of(Specialisation.class, output.staged(SweepOutput.SPECIALISATION)).withNumShards(1));

    PCollectionView<Long> cells = results.apply("CountCells", Count.globally()).apply("CellsView", View.asSingleton());
    PCollectionView<Long> failed = results
        .apply("FailedCells", Filter.by(row -> row.getError() != null))
        .apply("CountFailed", Count.globally())
        .apply("FailedView", View.asSingleton());
    PCollectionView<List<String>> errors = analysisErrors.apply("AnalysisErrorsView", View.asList());
    return begin
        .apply("PublishTrigger", Create.of(settings.runId()))
        .apply("AfterAllTables", Wait.on(resultFiles.getPerDestinationOutputFilenames(),
            keptFiles.getPerDestinationOutputFilenames(), routingFiles.getPerDestinationOutputFilenames(),
            specialisationFiles.getPerDestinationOutputFilenames()))
        .apply("Publish", ParDo.of(new PublishResultsFn(output, cells, failed, errors))
            .withSideInputs(cells, failed, errors))
        .setCoder(StringUtf8Coder.of());
  }
}
