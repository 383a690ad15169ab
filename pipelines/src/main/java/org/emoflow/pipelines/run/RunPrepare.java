package org.emoflow.pipelines.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.emoflow.pipelines.cli.CommandLine;
import org.emoflow.pipelines.cli.InvalidOptionException;
import org.emoflow.pipelines.cli.OptionNames;
import org.emoflow.pipelines.prepare.PrepareJob;
import org.emoflow.pipelines.prepare.PrepareOptions;

/**
 * A run's prepare settings as {@code ./emoflow prepare} options: the config's {@code prepare:} keys are
 * prepare's own (same names, defaults and checks), the {@code corpus:} section gives the document fields, and
 * the run sets inputs, output and tokenizer itself.
 */
final class RunPrepare {
  /** Prepare options the run sets from other sections, or itself. */
  private static final Set<String> SET_BY_RUN = Set.of("input", "output", "tokenizer", "eosToken", "overwrite",
      "textField", "idField", "domainField", "maxDocumentBytes");

  private RunPrepare() {}

  /** Parsed and checked before any work; a bad value is refused naming its key in the config. */
  static PrepareOptions options(Path file, RunConfig config) {
    List<String> args = new ArrayList<>(List.of("--input=-", "--output=-"));
    Map<String, Object> prepare = config.prepare() == null ? Map.of() : config.prepare();
    for (Map.Entry<String, Object> entry : prepare.entrySet()) {
      String kebab = entry.getKey().replace('_', '-');
      if (SET_BY_RUN.contains(OptionNames.toCamel(kebab))) {
        throw new InvalidOptionException(file + ": prepare." + entry.getKey()
            + " is set by the run itself (corpus:, tokenizer: and output: say it)");
      }
      args.add("--" + kebab + "=" + entry.getValue());
    }
    RunConfig.Corpus corpus = config.corpus();
    addIfSet(args, "text-field", corpus.textField());
    addIfSet(args, "id-field", corpus.idField());
    addIfSet(args, "domain-field", corpus.domainField());
    addIfSet(args, "max-document-bytes", corpus.maxDocumentBytes());
    try {
      PrepareOptions options = CommandLine.parse(args.toArray(String[]::new), PrepareOptions.class);
      PrepareJob.validate(options);
      return options;
    } catch (InvalidOptionException e) {
      throw new InvalidOptionException(file + ": " + where(e, prepare));
    }
  }

  /** The config key at fault: as written under prepare:, else the corpus: or prepare: key of the option. */
  private static String where(InvalidOptionException e, Map<String, Object> prepare) {
    if (e.property() == null) {
      return "prepare: " + e.getMessage();
    }
    String written = RunConfig.keyFor(prepare, e.property());
    String snake = OptionNames.toKebab(e.property()).replace('-', '_');
    String key = written != null ? "prepare." + written
        : SET_BY_RUN.contains(e.property()) ? "corpus." + snake : "prepare." + snake;
    return key + ": " + e.problem();
  }

  private static void addIfSet(List<String> args, String option, Object value) {
    if (value != null) {
      args.add("--" + option + "=" + value);
    }
  }
}
