package org.emoflow.pipelines.sample;

import java.nio.file.Path;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.emoflow.pipelines.cli.Command;
import org.emoflow.pipelines.cli.ExitCodes;
import org.emoflow.pipelines.cli.InvalidOptionException;

/** {@code ./emoflow sample-corpus}: a small real multi-domain corpus from pinned registry artifacts. */
public final class SampleCorpusCommand implements Command<SampleCorpusCommand.Options> {

  public interface Options extends PipelineOptions {
    @Description("Directory for <domain>.jsonl.gz files.")
    @Validation.Required
    String getOutput();

    void setOutput(String value);

    @Description("Download cache (default: $EMOFLOW_CACHE or ~/.cache/emoflow).")
    String getCacheDir();

    void setCacheDir(String value);

    @Description("Cap on the UTF-8 text bytes per domain.")
    @Default.Long(SampleCorpus.DEFAULT_MAX_BYTES_PER_DOMAIN)
    long getMaxBytesPerDomain();

    void setMaxBytesPerDomain(long value);
  }

  @Override
  public String name() {
    return "sample-corpus";
  }

  @Override
  public String summary() {
    return "Download a small real multi-domain corpus (pinned, checksummed, cached) as Dolma JSONL.gz.";
  }

  @Override
  public Class<Options> optionsClass() {
    return Options.class;
  }

  @Override
  public void validate(Options options) {
    if (options.getMaxBytesPerDomain() <= 0) {
      throw InvalidOptionException.of("maxBytesPerDomain", "must be positive");
    }
  }

  @Override
  public int run(Options options) throws Exception {
    Path cache = options.getCacheDir() == null ? SampleCorpus.DEFAULT_CACHE_DIR : Path.of(options.getCacheDir());
    SampleCorpus.Summary summary =
        SampleCorpus.write(Path.of(options.getOutput()), cache, options.getMaxBytesPerDomain());
    for (SampleCorpus.DomainSummary domain : summary.domains()) {
      System.err.printf("sample-corpus: %-10s %5d documents %,10d bytes  from %s%n",
          domain.domain(), domain.documents(), domain.textBytes(), String.join(", ", domain.sources()));
    }
    System.err.println("sample-corpus: wrote " + summary.outputDir().toAbsolutePath());
    return ExitCodes.OK;
  }
}
