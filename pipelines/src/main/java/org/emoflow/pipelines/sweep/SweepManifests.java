package org.emoflow.pipelines.sweep;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.emoflow.model.io.Checksums;
import org.emoflow.model.select.SelectionMethod;
import org.emoflow.pipelines.cli.Version;
import org.emoflow.schemas.SweepManifest;
import org.emoflow.schemas.SweepManifestCheckpoint;
import org.emoflow.schemas.SweepManifestFinetune;
import org.emoflow.schemas.SweepManifestGrid;
import org.emoflow.schemas.SweepManifestTask;
import org.emoflow.transforms.sweep.SweepCheckpoint;
import org.emoflow.transforms.sweep.SweepGrid;
import org.emoflow.transforms.sweep.SweepTask;

/** The manifest of a checked sweep, as far as it is known before the run; publishing adds the tallies. */
final class SweepManifests {
  private static final String ALL = "all";

  private SweepManifests() {}

  /** @param configFile the config as given; recorded absolute */
  static SweepManifest planned(String runId, Path results, Path configFile, String configText, String configSha,
      SweepCheckpoints checkpoints, List<SweepTask> tasks, SweepGrid grid, SweepConfig.Finetune finetune,
      int plannedCells) throws IOException {
    List<SweepManifestCheckpoint> checkpointEntries = new ArrayList<>();
    for (SweepCheckpoint checkpoint : checkpoints.all()) {
      checkpointEntries.add(SweepManifestCheckpoint.newBuilder().setName(checkpoint.name())
          .setDirectory(checkpoint.directory()).setRouter(checkpoint.router()).setTrainStep(checkpoint.step())
          .setExperts(checkpoint.experts()).setData(checkpoint.dataDir()).setSha256(checkpoints.checksums(checkpoint))
          .build());
    }
    List<SweepManifestTask> taskEntries = new ArrayList<>();
    for (SweepTask task : tasks) {
      taskEntries.add(task(task));
    }
    List<Object> calibrationDocs = new ArrayList<>();
    grid.calibrationDocs().forEach(size -> calibrationDocs.add(size == null ? ALL : size));
    SweepManifestGrid gridEntry = SweepManifestGrid.newBuilder()
        .setMethods(grid.methods().stream().map(SelectionMethod::id).toList())
        .setKeepExperts(grid.keepExperts())
        .setCalibrationDocs(calibrationDocs)
        .setSeeds(grid.seeds())
        .setFinetuneSteps(grid.finetuneSteps())
        .build();
    return SweepManifest.newBuilder()
        .setRunId(runId)
        .setConfigFile(configFile.toAbsolutePath().normalize().toString())
        .setConfigSha256(configSha)
        .setConfig(configText)
        .setEmoflowVersion(Version.get())
        .setCodeVersion(Version.source())
        .setResults(results.toString())
        .setCheckpoints(checkpointEntries)
        .setTasks(taskEntries)
        .setGrid(gridEntry)
        .setFinetune(new SweepManifestFinetune(finetune.lr(), finetune.batchSize()))
        .setPlannedCells(plannedCells)
        .build();
  }

  /** A task's kind and what defines it: a domain, a file with its checksums, or a composition's members. */
  private static SweepManifestTask task(SweepTask task) throws IOException {
    SweepManifestTask.Builder entry = SweepManifestTask.newBuilder().setName(task.name()).setKind(task.kind());
    if (task.isComposition()) {
      entry.setMembers(task.members().stream().map(SweepTask::name).toList());
    } else if (task.isLanguageModelling()) {
      entry.setDomain(task.domain());
    } else {
      entry.setFile(task.file()).setSha256(Checksums.sha256(Path.of(task.file())))
          .setCalibrationFile(task.calibrationFile())
          .setCalibrationSha256(Checksums.sha256(Path.of(task.calibrationFile())));
    }
    if (task.isGenerative()) {
      entry.setMaxNewTokens(task.maxNewTokens()).setStop(task.stop());
    }
    return entry.build();
  }
}
