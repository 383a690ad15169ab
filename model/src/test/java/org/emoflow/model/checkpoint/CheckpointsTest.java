package org.emoflow.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.emoflow.model.Compute;
import org.emoflow.model.ModelConfig;
import org.emoflow.model.RouterKind;
import org.emoflow.model.TestBatches;
import org.emoflow.model.TestModels;
import org.emoflow.model.data.PackedBatch;
import org.emoflow.model.data.SequenceStream;
import org.emoflow.model.nn.LanguageModel;
import org.emoflow.model.nn.Parameters;
import org.emoflow.model.train.AdamW;
import org.emoflow.model.train.TrainConfig;
import org.emoflow.model.train.TrainerState;
import org.emoflow.model.train.TrainingCheckpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving, verifying and loading checkpoints; corruption is refused with the faulty file named. */
class CheckpointsTest {
  private static final ModelConfig CONFIG = TestModels.tiny(RouterKind.EMO, 8);
  private static final TrainConfig TRAIN = TrainConfig.defaults(10, 0);

  @TempDir Path directory;
  private NDManager manager;
  private LanguageModel model;
  private AdamW optimizer;
  private Checkpoints checkpoints;

  @BeforeEach
  void build() {
    manager = Compute.newManager();
    model = new LanguageModel(CONFIG, manager, 9);
    optimizer = new AdamW(model.parameters(), TRAIN);
    checkpoints = new Checkpoints(directory.resolve("checkpoints"));
  }

  @AfterEach
  void release() {
    manager.close();
  }

  private Path save(long step) throws IOException {
    TrainerState state = new TrainerState(step, step, SequenceStream.Position.START, 0, TRAIN, "data", "sha");
    return TrainingCheckpoint.save(checkpoints, model, optimizer, state, 3);
  }

  @Test
  void aSavedCheckpointVerifiesAndLoadsTheSameModel() throws IOException {
    Path saved = save(1);
    assertEquals("step-00000001", saved.getFileName().toString());
    Checkpoints.verify(saved);
    try (LanguageModel loaded = Checkpoints.loadModel(saved, manager)) {
      assertEquals(CONFIG, loaded.config());
      for (Parameters.Parameter p : model.parameters().all()) {
        assertArrayEquals(p.array().toFloatArray(), loaded.parameters().get(p.name()).toFloatArray(), p.name());
      }
      PackedBatch batch = new PackedBatch(List.of(TestBatches.row(8, TestBatches.run(3, 5), TestBatches.run(60, 3))));
      assertArrayEquals(TestModels.logits(model, batch, null), TestModels.logits(loaded, batch, null));
    }
    assertEquals(1, TrainerState.read(saved).step());
  }

  /**
   * The weights of a loaded model live in libtorch's memory, not in Java direct buffers: those count against
   * -XX:MaxDirectMemorySize, which on a Flink TaskManager is mostly taken by network buffers.
   */
  @Test
  void loadedModelsHoldNoJavaDirectMemory() throws IOException, InterruptedException {
    Path saved = save(1);
    long modelBytes = 4 * model.parameters().count();
    long before = directMemoryAfterGc();
    List<LanguageModel> loaded = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        loaded.add(Checkpoints.loadModel(saved, manager));
      }
      long held = directMemoryAfterGc() - before;
      assertTrue(held < modelBytes, "4 loaded models of " + modelBytes + " bytes hold " + held + " bytes of direct memory");
      assertArrayEquals(model.parameters().get("embed.weight").toFloatArray(),
          loaded.get(3).parameters().get("embed.weight").toFloatArray());
    } finally {
      loaded.forEach(LanguageModel::close);
    }
  }

  /**
   * A worker thread of a runner is not the thread that started the engine, and libtorch keeps autograd on
   * there: loading must not write into parameters in a way autograd forbids.
   */
  @Test
  void aModelLoadsOnAThreadOfItsOwn() throws Exception {
    Path saved = save(1);
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    Thread worker = new Thread(() -> {
      try (LanguageModel loaded = Checkpoints.loadModel(saved, manager)) {
        for (Parameters.Parameter p : model.parameters().all()) {
          assertArrayEquals(p.array().toFloatArray(), loaded.parameters().get(p.name()).toFloatArray(), p.name());
          assertTrue(loaded.parameters().get(p.name()).hasGradient(), p.name() + " is still trainable");
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    });
    worker.start();
    worker.join();
    if (failure.get() != null) {
      throw new AssertionError("loading on a thread of its own failed", failure.get());
    }
  }

  /** Direct buffers nothing refers to any more are freed by the collector's cleaners, a moment after a GC. */
  private static long directMemoryAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 10; attempt++) {
      System.gc();
      Thread.sleep(50);
      long now = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
          .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
      if (now == used) {
        break;
      }
      used = now;
    }
    return used;
  }

  @Test
  void checksumsUseTheSha256sumFormat() throws IOException, InterruptedException {
    Path saved = save(1);
    Process check;
    try {
      check = new ProcessBuilder("sha256sum", "-c", Checkpoints.CHECKSUMS).directory(saved.toFile())
          .redirectErrorStream(true).start();
    } catch (IOException notInstalled) {
      Assumptions.abort("sha256sum is not installed: " + notInstalled.getMessage());
      return;
    }
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(check.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, check.exitValue(), output);
    assertTrue(output.contains(Checkpoints.MODEL + ": OK"), output);
  }

  @Test
  void aFlippedByteIsRefusedNamingTheFile() throws IOException {
    Path saved = save(1);
    Path weights = saved.resolve(Checkpoints.MODEL);
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(weights, bytes);
    assertRefusedNaming(saved, weights.toString());
  }

  @Test
  void aTruncatedFileIsRefusedNamingTheFile() throws IOException {
    Path saved = save(1);
    Path weights = saved.resolve(Checkpoints.MODEL);
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, Arrays.copyOf(bytes, bytes.length - 100));
    assertRefusedNaming(saved, weights.toString());
  }

  @Test
  void aCheckpointWithoutChecksumsIsRefused() throws IOException {
    Path saved = save(1);
    Files.delete(saved.resolve(Checkpoints.CHECKSUMS));
    assertRefusedNaming(saved, Checkpoints.CHECKSUMS);
  }

  @Test
  void theNewestValidCheckpointIsChosenAndACorruptNewerOneReported() throws IOException {
    Path older = save(1);
    Path newer = save(2);
    Files.write(newer.resolve(Checkpoints.MODEL), new byte[] {1, 2, 3});
    List<String> warnings = new ArrayList<>();
    assertEquals(Optional.of(older), checkpoints.latestValid(warnings::add));
    assertEquals(1, warnings.size());
    assertTrue(warnings.get(0).contains(newer.resolve(Checkpoints.MODEL).toString()), warnings.get(0));

    Files.delete(older.resolve(Checkpoints.CHECKSUMS));
    assertEquals(Optional.empty(), checkpoints.latestValid(warning -> { }));
  }

  @Test
  void onlyTheNewestCheckpointsAreKept() throws IOException {
    for (long step = 1; step <= 4; step++) {
      save(step);
    }
    assertEquals(List.of("step-00000002", "step-00000003", "step-00000004"),
        checkpoints.list().stream().map(p -> p.getFileName().toString()).toList());
  }

  private void assertRefusedNaming(Path checkpoint, String named) {
    CorruptCheckpointException verified = assertThrows(CorruptCheckpointException.class, () -> Checkpoints.verify(checkpoint));
    assertTrue(verified.getMessage().contains(named), verified.getMessage());
    CorruptCheckpointException loaded =
        assertThrows(CorruptCheckpointException.class, () -> Checkpoints.loadModel(checkpoint, manager));
    assertTrue(loaded.getMessage().contains(named), loaded.getMessage());
  }
}
