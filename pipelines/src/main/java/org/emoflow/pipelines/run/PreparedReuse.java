package org.emoflow.pipelines.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.emoflow.transforms.prepare.PrepareSettings;
import org.emoflow.transforms.prepare.TokenizerInfo;
import org.emoflow.transforms.run.OutputFile;

/**
 * Whether an earlier prepare output can stand in for this run's: same input files (by path, size and
 * SHA-256) and the same settings and tokenizer. The reason names what differs.
 */
record PreparedReuse(boolean reusable, String reason) {

  static PreparedReuse check(Path dir, List<OutputFile> inputs, PrepareSettings settings, TokenizerInfo tokenizer)
      throws IOException {
    Path manifestFile = dir.resolve("manifest.json");
    if (!Files.exists(manifestFile)) {
      return new PreparedReuse(false, "no earlier prepared data");
    }
    JsonNode manifest = new ObjectMapper().readTree(manifestFile.toFile());
    List<String> before = new ArrayList<>();
    manifest.path("inputs").forEach(i -> before.add(i.path("path").asText() + " " + i.path("bytes").asLong()
        + " " + i.path("sha256").asText()));
    List<String> now = inputs.stream().sorted(Comparator.comparing(OutputFile::path))
        .map(i -> i.path() + " " + i.bytes() + " " + i.sha256()).toList();
    if (!before.equals(now)) {
      return new PreparedReuse(false, "the input files or their checksums changed");
    }
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("tokenizer", tokenizer.spec());
    expected.put("tokenizer_sha256", tokenizer.fingerprint());
    expected.put("seq_len", settings.seqLen());
    expected.put("packing", settings.packing());
    expected.put("validation_fraction", settings.validationFraction());
    expected.put("text_field", settings.textField());
    expected.put("id_field", settings.idField());
    expected.put("domain_field", settings.domainField());
    expected.put("max_document_bytes", settings.maxDocumentBytes());
    expected.put("pack_bucket_tokens", settings.packBucketTokens());
    expected.put("pack_buckets", settings.packBuckets());
    JsonNode recorded = manifest.path("settings");
    for (Map.Entry<String, Object> setting : expected.entrySet()) {
      String was = recorded.path(setting.getKey()).asText();
      if (!was.equals(String.valueOf(setting.getValue()))) {
        return new PreparedReuse(false, "prepare setting " + setting.getKey() + " changed: " + was + " -> "
            + setting.getValue());
      }
    }
    return new PreparedReuse(true, "inputs and settings unchanged since " + manifest.path("created_at").asText());
  }
}
