package org.emoflow.pipelines.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.emoflow.model.io.AtomicFiles;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.Inputs;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.prepare.PrepareJob;
import org.emoflow.pipelines.prepare.PrepareOptions;
import org.emoflow.transforms.prepare.TokenizerInfo;

/**
 * {@code ./emoflow bench-prepare}: prepare's end-to-end throughput against tokenize-only throughput of
 * the same tokenizer on the same text, padding of concat vs bestfit packing, Flink parallelism 2 vs 1,
 * and the same text in many small files vs the input's files. Every baseline is measured in the same
 * run as the figure it is compared with.
 */
public final class PrepareBenchmark implements Command<PrepareBenchmark.Options> {
  static final List<String> PARTS = List.of("throughput", "padding", "flink", "files");
  /** Issue 2: prepare keeps at least this share of the tokenizer's own throughput. */
  static final double THROUGHPUT_TARGET = 0.8;

  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  public interface Options extends PipelineOptions {
    @Description("Corpus files or globs, repeated or separated by commas, read as prepare's --input"
        + " (default: " + SharedCorpus.ALL + ").")
    List<String> getInput();

    void setInput(List<String> value);

    @Description("Tiktoken encoding run through jtokkit; also the tokenizer of the padding and flink parts.")
    @Default.String("cl100k_base")
    String getTokenizer();

    void setTokenizer(String value);

    @Description("HuggingFace tokenizer.json run through DJL (throughput part).")
    @Default.String("/work/shared/tokenizers/cl100k/tokenizer.json")
    String getHfTokenizer();

    void setHfTokenizer(String value);

    @Description("Sequence lengths of the padding part, separated by commas; the first one is also used by"
        + " the throughput and flink parts.")
    @Default.String("256,1024")
    String getSeqLens();

    void setSeqLens(String value);

    @Description("What to measure, separated by commas: throughput, padding, flink, files.")
    @Default.String("throughput,padding,flink,files")
    String getParts();

    void setParts(String value);

    @Description("Files part: the input's JSONL lines are dealt out to this many files, and prepare of those is"
        + " compared with prepare of the input as it is.")
    @Default.Integer(1000)
    int getSplitFiles();

    void setSplitFiles(int value);

    @Description("Cores of the DirectRunner runs and the tokenize-only baseline; per-core figures divide by"
        + " it. 0: all cores, and the DirectRunner keeps its default thread count.")
    @Default.Integer(0)
    int getCores();

    void setCores(int value);

    @Description("Throughput part: prepare and tokenize-only each run this many times and the fastest counts,"
        + " so that the JVM's first runs (class loading, JIT: the second is still slower than the third) do not.")
    @Default.Integer(3)
    int getRepeats();

    void setRepeats(int value);

    @Description("Where prepared outputs are written while measured (deleted after). Default: the system's"
        + " temporary directory.")
    String getWorkDir();

    void setWorkDir(String value);
  }

  @Override
  public String name() {
    return "bench-prepare";
  }

  @Override
  public String summary() {
    return "Benchmark prepare: throughput vs tokenize-only, concat vs bestfit padding, Flink parallelism 2 vs 1.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    parts(options);
    seqLens(options);
    if (options.getRepeats() < 1) {
      throw InvalidOptionException.of("repeats", "must be at least 1, got " + options.getRepeats());
    }
    if (options.getCores() < 0) {
      throw InvalidOptionException.of("cores", "must not be negative, got " + options.getCores());
    }
    if (options.getSplitFiles() < 1) {
      throw InvalidOptionException.of("splitFiles", "must be at least 1, got " + options.getSplitFiles());
    }
  }

  static List<String> parts(Options options) {
    List<String> parts = split(options.getParts());
    for (String part : parts) {
      if (!PARTS.contains(part)) {
        throw InvalidOptionException.of("parts", "unknown part '" + part + "', expected some of " + PARTS);
      }
    }
    if (parts.isEmpty()) {
      throw InvalidOptionException.of("parts", "name at least one of " + PARTS);
    }
    return parts;
  }

  static List<Integer> seqLens(Options options) {
    List<Integer> lengths = new ArrayList<>();
    for (String value : split(options.getSeqLens())) {
      try {
        lengths.add(Integer.parseInt(value));
      } catch (NumberFormatException e) {
        throw InvalidOptionException.of("seqLens", "'" + value + "' is not a whole number");
      }
      if (lengths.get(lengths.size() - 1) < 8) {
        throw InvalidOptionException.of("seqLens", "every length must be at least 8, got " + value);
      }
    }
    if (lengths.isEmpty()) {
      throw InvalidOptionException.of("seqLens", "name at least one length");
    }
    return lengths;
  }

  private static List<String> split(String list) {
    return Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  @Override
  public int run(Options options) throws Exception {
    run(options, System.out, System.err);
    return ExitCodes.OK;
  }

  /** Figures go to {@code out}, progress (each command run, with its time) to {@code log}. */
  public static void run(Options options, PrintStream out, PrintStream log) throws Exception {
    try (WorkDirectory work = WorkDirectory.create(options.getWorkDir(), "emoflow-bench-prepare-")) {
      new Session(options, work, out, log).run();
    }
  }

  /** One prepare run: its wall time and its manifest. */
  record Measured(double seconds, JsonNode manifest) {
    long tokens() {
      return sumOverSplits("tokens");
    }

    double paddingFraction() {
      long padding = sumOverSplits("padding_tokens");
      return padding == 0 ? 0 : (double) padding / (tokens() + padding);
    }

    private long sumOverSplits(String field) {
      long sum = 0;
      for (JsonNode split : manifest.path("splits")) {
        sum += split.path(field).asLong();
      }
      return sum;
    }
  }

  private static final class Session {
    private final Options options;
    private final WorkDirectory work;
    private final PrintStream out;
    private final PrintStream log;
    private final int cores;
    private final Map<String, Measured> prepared = new LinkedHashMap<>();

    Session(Options options, WorkDirectory work, PrintStream out, PrintStream log) {
      this.options = options;
      this.work = work;
      this.out = out;
      this.log = log;
      this.cores = options.getCores() > 0 ? options.getCores() : Runtime.getRuntime().availableProcessors();
    }

    void run() throws Exception {
      List<String> parts = parts(options);
      int seqLen = seqLens(options).get(0);
      // Inputs and tokenizers are checked before any work, as prepare itself would check them.
      PrepareOptions probe = CommandArgs.PREPARE.parse(
          prepareArgs(input(), options.getTokenizer(), seqLen, "concat", work.resolve("probe"), direct()));
      FileSystems.setDefaultPipelineOptions(probe);
      List<String> files = Inputs.expand("input", probe.getInput());
      TokenizerInfo jtokkit = PrepareJob.describeTokenizer("tokenizer", options.getTokenizer(), null);
      if (!jtokkit.backend().equals("jtokkit")) {
        throw InvalidOptionException.of("tokenizer", "expected a tiktoken encoding (jtokkit), got " + jtokkit.spec());
      }
      List<TokenizerInfo> backends = List.of(jtokkit);
      if (parts.contains("throughput")) {
        TokenizerInfo hf = PrepareJob.describeTokenizer("hfTokenizer", options.getHfTokenizer(), null);
        if (!hf.backend().equals("huggingface")) {
          throw InvalidOptionException.of("hfTokenizer", "expected a tokenizer.json path, got " + hf.spec());
        }
        backends = List.of(jtokkit, hf);
      }
      if (parts.contains("files") && files.stream().anyMatch(file -> file.endsWith(".parquet"))) {
        throw InvalidOptionException.of("parts", "the files part splits JSONL inputs; --input has Parquet files");
      }
      log.printf("bench-prepare: %d input files; %d cores; parts %s%n", files.size(), cores, parts);
      if (parts.contains("throughput")) {
        throughput(TokenizeOnly.load(files, probe), backends, seqLen);
      }
      if (parts.contains("padding")) {
        padding();
      }
      if (parts.contains("flink")) {
        flink(seqLen);
      }
      if (parts.contains("files")) {
        manyFiles(files, seqLen);
      }
    }

    private void throughput(TokenizeOnly.Corpus corpus, List<TokenizerInfo> backends, int seqLen)
        throws Exception {
      List<String> rows = new ArrayList<>();
      for (TokenizerInfo backend : backends) {
        String spec = backend.spec();
        Measured e2e = null;
        TokenizeOnly.Result alone = null;
        for (int i = 0; i < options.getRepeats(); i++) {
          Measured run = prepare(input(), spec, seqLen, "concat", direct());
          e2e = e2e == null || run.seconds() < e2e.seconds() ? run : e2e;
          // After prepare, so the tokenizer's code is at least as warm as it was in prepare.
          log.printf("bench-prepare: tokenize-only, %s, %d threads%n", spec, cores);
          TokenizeOnly.Result encoded = TokenizeOnly.encode(corpus, spec, null, cores);
          alone = alone == null || encoded.seconds() < alone.seconds() ? encoded : alone;
          log.printf("bench-prepare:   %.1f s%n", encoded.seconds());
        }
        prepared.put(key(spec, seqLen, "concat", direct()), e2e);
        double e2eRate = corpus.megabytes() / e2e.seconds() / cores;
        double aloneRate = corpus.megabytes() / alone.seconds() / cores;
        long expectedTokens = alone.tokens() + corpus.texts().size();
        rows.add(String.format("%-12s %-22s %8.1f s %10.3f %8.1f s %10.3f %6.2fx  %-6s  %s", backend.backend(),
            shortName(spec), e2e.seconds(), e2eRate, alone.seconds(), aloneRate, e2eRate / aloneRate,
            e2eRate / aloneRate >= THROUGHPUT_TARGET ? "met" : "missed",
            expectedTokens == e2e.tokens() ? "agree" : String.format("%,d vs %,d", e2e.tokens(), expectedTokens)));
      }
      out.printf("%n== prepare throughput (%,d documents, %.2f MB of text, %d cores; DirectRunner, concat, L=%d;"
          + " fastest of %d)%n", corpus.texts().size(), corpus.megabytes(), cores, seqLen, options.getRepeats());
      out.printf("%-12s %-22s %10s %10s %10s %10s %7s  %-6s  %s%n", "backend", "tokenizer", "prepare",
          "MB/s/core", "tok-only", "MB/s/core", "ratio", "target", "tokens");
      rows.forEach(out::println);
      out.printf("ratio: prepare's MB/s over tokenize-only's, target >= %.2fx. tokens: prepare's manifest vs"
          + " tokenize-only's plus one EOS per document.%n", THROUGHPUT_TARGET);
    }

    private void padding() throws IOException {
      List<String> rows = new ArrayList<>();
      for (int seqLen : seqLens(options)) {
        Measured concat = prepareOnce(options.getTokenizer(), seqLen, "concat", direct());
        Measured bestfit = prepareOnce(options.getTokenizer(), seqLen, "bestfit", direct());
        rows.add(String.format("%6d %8.3f%% %8.3f%%", seqLen, 100 * concat.paddingFraction(),
            100 * bestfit.paddingFraction()));
      }
      out.printf("%n== padding: share of sequence slots that are padding (%s, train + validation)%n",
          shortName(options.getTokenizer()));
      out.printf("%6s %9s %9s%n", "L", "concat", "bestfit");
      rows.forEach(out::println);
    }

    /**
     * The DirectRunner's GroupByKey copies what a key has buffered whenever another input bundle adds to
     * it, and every input file is a bundle: this part shows whether prepare's cost grows with the number
     * of files or only with the text.
     */
    private void manyFiles(List<String> files, int seqLen) throws IOException {
      String split = SplitInput.write(files, work.resolve("split-input"), options.getSplitFiles());
      Measured few = null;
      Measured many = null;
      for (int i = 0; i < options.getRepeats(); i++) {
        Measured asGiven = prepare(input(), options.getTokenizer(), seqLen, "concat", direct());
        few = few == null || asGiven.seconds() < few.seconds() ? asGiven : few;
        Measured dealtOut = prepare(split, options.getTokenizer(), seqLen, "concat", direct());
        many = many == null || dealtOut.seconds() < many.seconds() ? dealtOut : many;
      }
      out.printf("%n== many files: the same records in %,d and in %,d files (%s, DirectRunner, concat, L=%d;"
          + " fastest of %d)%n", files.size(), options.getSplitFiles(), shortName(options.getTokenizer()), seqLen,
          options.getRepeats());
      out.printf("%,8d files %8.1f s%n", files.size(), few.seconds());
      out.printf("%,8d files %8.1f s   %.2fx the time   tokens %s%n", options.getSplitFiles(), many.seconds(),
          many.seconds() / few.seconds(),
          few.tokens() == many.tokens() ? "agree" : String.format("%,d vs %,d", many.tokens(), few.tokens()));
    }

    private void flink(int seqLen) throws IOException {
      Measured one = prepare(input(), options.getTokenizer(), seqLen, "concat", flinkRunner(1));
      Measured two = prepare(input(), options.getTokenizer(), seqLen, "concat", flinkRunner(2));
      out.printf("%n== Flink [local]: prepare wall time (%s, concat, L=%d)%n", shortName(options.getTokenizer()),
          seqLen);
      out.printf("parallelism 1 %8.1f s%n", one.seconds());
      out.printf("parallelism 2 %8.1f s   speed-up %.2fx (time p=1 / time p=2)%n", two.seconds(),
          one.seconds() / two.seconds());
    }

    /** A DirectRunner run already made with the same settings is not repeated (padding reuses throughput's). */
    private Measured prepareOnce(String tokenizer, int seqLen, String packing, List<String> runner)
        throws IOException {
      String key = key(tokenizer, seqLen, packing, runner);
      Measured earlier = prepared.get(key);
      if (earlier == null) {
        earlier = prepare(input(), tokenizer, seqLen, packing, runner);
        prepared.put(key, earlier);
      }
      return earlier;
    }

    private static String key(String tokenizer, int seqLen, String packing, List<String> runner) {
      return tokenizer + " " + seqLen + " " + packing + " " + runner;
    }

    private Measured prepare(String input, String tokenizer, int seqLen, String packing, List<String> runner)
        throws IOException {
      Path output = work.resolve("prepared");
      List<String> args = prepareArgs(input, tokenizer, seqLen, packing, output, runner);
      log.println("bench-prepare: " + CommandArgs.PREPARE.line(args));
      PrepareOptions prepareOptions = CommandArgs.PREPARE.parse(args);
      long started = System.nanoTime();
      PipelineResult.State state = PrepareJob.run(prepareOptions, QUIET).getState();
      double seconds = (System.nanoTime() - started) / 1e9;
      if (state != PipelineResult.State.DONE) {
        throw new IllegalStateException("prepare ended " + state + ": " + CommandArgs.PREPARE.line(args));
      }
      JsonNode manifest = new ObjectMapper().readTree(output.resolve("manifest.json").toFile());
      AtomicFiles.deleteRecursively(output);
      log.printf("bench-prepare:   %.1f s%n", seconds);
      return new Measured(seconds, manifest);
    }

    /** The input as prepare's --input: the benchmark's --input, else the shared corpus. */
    private String input() {
      return SharedCorpus.inputOr(options.getInput(), SharedCorpus.ALL);
    }

    private List<String> prepareArgs(String input, String tokenizer, int seqLen, String packing, Path output,
        List<String> runner) {
      List<String> args = new ArrayList<>(List.of("--input=" + input, "--output=" + output, "--tokenizer=" + tokenizer,
          "--seq-len=" + seqLen, "--packing=" + packing, "--overwrite=true"));
      args.addAll(runner);
      return args;
    }

    private List<String> direct() {
      return options.getCores() > 0 ? List.of("--targetParallelism=" + options.getCores()) : List.of();
    }

    private static List<String> flinkRunner(int parallelism) {
      return List.of("--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=" + parallelism);
    }

    /** A tokenizer.json path by its folder and file name; an encoding by its name. */
    private static String shortName(String spec) {
      Path path = Path.of(spec);
      return path.getNameCount() > 1 ? path.subpath(path.getNameCount() - 2, path.getNameCount()).toString() : spec;
    }
  }
}
