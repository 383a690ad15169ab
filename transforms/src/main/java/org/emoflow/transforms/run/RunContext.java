package org.emoflow.transforms.run;

import java.io.Serializable;
import java.util.List;

/** What the run manifest records besides the stages: known to the driver before the pipeline starts. */
public record RunContext(
    String runId,
    String outputDir,
    String configYaml,
    String configSha256,
    String emoflowVersion,
    String codeVersion,
    List<OutputFile> inputs)
    implements Serializable {}
