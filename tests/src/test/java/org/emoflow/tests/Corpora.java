package org.emoflow.tests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.emoflow.model.tokenizer.BpeTrainer;
import org.emoflow.model.tokenizer.ByteLevelPreTokenizer;

/**
 * Small multi-domain corpora written by the tests themselves: Dolma-style JSONL in plain, .gz and .zst
 * files, with documents from a few characters to several thousand tokens, in several scripts.
 */
final class Corpora {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Map<String, String[]> VOCABULARY = new LinkedHashMap<>();

  static {
    VOCABULARY.put("prose", "the of and to in a is that it was for on with as his he by at from her which"
        .split(" "));
    VOCABULARY.put("code", "public static void int return if else for while class new final private String"
        .split(" "));
    VOCABULARY.put("spanish", "el la de que y en un ser se no haber por con su para como estar año ñandú acción"
        .split(" "));
    VOCABULARY.put("mixed", "数据 模型 専門家 🙂 🚀 naïve café Ελληνικά русский \u0301e \t x²".split(" "));
  }

  record Doc(String id, String domain, String text) {}

  private Corpora() {}

  /** Documents per domain, seeded; every eighth is long (several sequences' worth of tokens). */
  static List<Doc> documents(int perDomain, long seed) {
    Random random = new Random(seed);
    List<Doc> docs = new ArrayList<>();
    for (Map.Entry<String, String[]> domain : VOCABULARY.entrySet()) {
      for (int i = 0; i < perDomain; i++) {
        int words = i % 8 == 7 ? 600 + random.nextInt(600) : 1 + random.nextInt(120);
        StringBuilder text = new StringBuilder();
        for (int w = 0; w < words; w++) {
          String[] vocabulary = domain.getValue();
          text.append(vocabulary[random.nextInt(vocabulary.length)]);
          text.append(random.nextInt(12) == 0 ? ".\n" : " ");
        }
        docs.add(new Doc(domain.getKey() + "-" + i, domain.getKey(), text.toString().strip()));
      }
    }
    return docs;
  }

  static String line(Doc doc) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", doc.id());
    node.put("text", doc.text());
    node.put("source", doc.domain());
    node.putObject("metadata").put("origin", "test");
    return node.toString();
  }

  /** Writes the documents round-robin into a plain, a gzip and a zstd JSONL file. */
  /** A real byte-level BPE tokenizer.json of {@code vocabSize} tokens trained on the documents' words. */
  static Path bpeTokenizer(List<Doc> docs, int vocabSize, Path file) throws IOException {
    Map<String, Long> counts = new HashMap<>();
    for (Doc doc : docs) {
      for (String word : ByteLevelPreTokenizer.split(doc.text())) {
        counts.merge(word, 1L, Long::sum);
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    BpeTrainer.train(counts, vocabSize, List.of("<|endoftext|>")).writeTokenizerJson(file);
    return file;
  }

  /** The documents dealt in turn to {@code files} plain JSONL files. */
  static void writeJsonlSpread(Path dir, List<Doc> docs, int files) throws IOException {
    Files.createDirectories(dir);
    List<StringBuilder> contents = new ArrayList<>();
    for (int f = 0; f < files; f++) {
      contents.add(new StringBuilder());
    }
    for (int i = 0; i < docs.size(); i++) {
      contents.get(i % files).append(line(docs.get(i))).append('\n');
    }
    for (int f = 0; f < files; f++) {
      write(dir.resolve(String.format("part-%03d.jsonl", f)), contents.get(f).toString());
    }
  }

  static List<Path> writeJsonl(Path dir, List<Doc> docs) throws IOException {
    Files.createDirectories(dir);
    List<Path> files = List.of(dir.resolve("part-0.jsonl"), dir.resolve("part-1.jsonl.gz"), dir.resolve("part-2.jsonl.zst"));
    List<StringBuilder> contents = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder());
    for (int i = 0; i < docs.size(); i++) {
      contents.get(i % 3).append(line(docs.get(i))).append('\n');
    }
    for (int f = 0; f < files.size(); f++) {
      write(files.get(f), contents.get(f).toString());
    }
    return files;
  }

  static void write(Path file, String text) throws IOException {
    try (OutputStream out = open(file)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  static OutputStream open(Path file) throws IOException {
    OutputStream raw = Files.newOutputStream(file);
    String name = file.getFileName().toString();
    if (name.endsWith(".gz")) {
      return new GZIPOutputStream(raw);
    }
    if (name.endsWith(".zst")) {
      return new com.github.luben.zstd.ZstdOutputStream(raw);
    }
    return raw;
  }
}
