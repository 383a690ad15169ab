package org.emoflow.tests;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.emoflow.model.io.LocalOutputFile;

/**
 * A small corpus in four domains and four input formats (JSONL .gz, plain and .zst, Parquet), generated
 * from a seed: English-like prose, Java-like code, a mix of Spanish, Greek, Chinese and emoji, and
 * notes in prose of another lexicon. Each domain draws from its own lexicon with a skewed distribution,
 * so words repeat as in real text. The plain file also holds a blank line and one malformed record.
 */
final class TokenizerCorpus {
  static final int DOMAINS = 4;
  private static final String MALFORMED_LINE = "{\"id\": \"broken\", \"text\": ";
  private static final Schema PARQUET_ROW = SchemaBuilder.record("Row").fields()
      .requiredString("id").requiredString("text").requiredString("source").endRecord();

  private static final String[] SYLLABLES = {
    "ka", "lo", "mi", "ne", "tor", "sha", "ven", "qui", "dra", "pel", "um", "ist", "ar", "bo", "zen", "ch",
  };
  private static final String[] ACCENTED = {"á", "é", "í", "ó", "ú", "ñ", "ü", "ç"};
  private static final String[] GREEK = {"λόγος", "ἀρχή", "θάλασσα", "φῶς", "ψυχή"};
  private static final String[] EMOJI = {"😀", "🚀", "👍🏽", "🇪🇸", "👨‍👩‍👧"};

  private final Path directory;
  private final Map<String, String> texts = new LinkedHashMap<>();

  private TokenizerCorpus(Path directory) {
    this.directory = directory;
  }

  /** Writes the corpus into a new directory {@code parent/corpus}. */
  static TokenizerCorpus write(Path parent, long seed, int documentsPerDomain) throws IOException {
    TokenizerCorpus corpus = new TokenizerCorpus(Files.createDirectory(parent.resolve("corpus")));
    Random random = new Random(seed);
    corpus.writeJsonl("prose", "prose.jsonl.gz", documentsPerDomain, () -> prose(random, 1));
    corpus.writeJsonl("code", "code.jsonl", documentsPerDomain, () -> code(random));
    corpus.writeJsonl("intl", "intl.jsonl.zst", documentsPerDomain, () -> international(random));
    corpus.writeParquet("notes", "notes.parquet", documentsPerDomain, () -> prose(random, 5));
    return corpus;
  }

  /** A glob matching every file of the corpus. */
  String glob() {
    return directory.resolve("*").toString();
  }

  /** Every well-formed document's text by id, in the order written. */
  Map<String, String> texts() {
    return texts;
  }

  private Map<String, String> generate(String domain, int documents, Supplier<String> text) {
    Map<String, String> generated = new LinkedHashMap<>();
    for (int d = 0; d < documents; d++) {
      generated.put(domain + "-" + d, text.get());
    }
    texts.putAll(generated);
    return generated;
  }

  private void writeJsonl(String domain, String file, int documents, Supplier<String> text) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, String> document : generate(domain, documents, text).entrySet()) {
      lines.add(Corpora.line(new Corpora.Doc(document.getKey(), domain, document.getValue())));
    }
    if (file.endsWith(".jsonl")) {
      lines.add(documents / 2, "");
      lines.add(documents / 3, MALFORMED_LINE);
    }
    try (OutputStream out = Corpora.open(directory.resolve(file))) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }
  }

  private void writeParquet(String domain, String file, int documents, Supplier<String> text) throws IOException {
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(directory.resolve(file)))
            .withSchema(PARQUET_ROW).withConf(new Configuration(false)).build()) {
      for (Map.Entry<String, String> document : generate(domain, documents, text).entrySet()) {
        GenericRecord row = new GenericData.Record(PARQUET_ROW);
        row.put("id", document.getKey());
        row.put("text", document.getValue());
        row.put("source", domain);
        writer.write(row);
      }
    }
  }

  /** Index into a lexicon of {@code size}, small ones far more often (roughly Zipf-like). */
  private static int skewed(Random random, int size) {
    double r = random.nextDouble();
    return (int) (size * r * r * r);
  }

  /** A word of a lexicon: its index is drawn, its spelling follows from the lexicon and the index. */
  private static String word(Random random, int lexiconSize, long lexicon) {
    int index = skewed(random, lexiconSize);
    Random spelling = new Random(lexicon * 7919 + index);
    StringBuilder word = new StringBuilder();
    for (int s = 1 + spelling.nextInt(4); s > 0; s--) {
      word.append(SYLLABLES[spelling.nextInt(SYLLABLES.length)]);
    }
    return word.toString();
  }

  private static String prose(Random random, long lexicon) {
    StringBuilder text = new StringBuilder();
    for (int sentence = 3 + random.nextInt(8); sentence > 0; sentence--) {
      String first = word(random, 400, lexicon);
      text.append(Character.toUpperCase(first.charAt(0))).append(first.substring(1));
      for (int w = 3 + random.nextInt(12); w > 0; w--) {
        text.append(random.nextInt(12) == 0 ? ", " : " ").append(word(random, 400, lexicon));
        if (random.nextInt(25) == 0) {
          text.append("'s");
        }
        if (random.nextInt(30) == 0) {
          text.append(' ').append(random.nextInt(2000));
        }
      }
      text.append(random.nextInt(6) == 0 ? "!" : ".").append(random.nextInt(5) == 0 ? "\n\n" : " ");
    }
    return text.toString().strip();
  }

  private static String code(Random random) {
    StringBuilder text = new StringBuilder("class ").append(camel(random)).append(" {\n");
    for (int line = 2 + random.nextInt(12); line > 0; line--) {
      String indent = "    ".repeat(1 + random.nextInt(3));
      switch (random.nextInt(4)) {
        case 0 -> text.append(indent).append("int ").append(word(random, 150, 2)).append(" = ")
            .append(random.nextInt(100)).append(";\n");
        case 1 -> text.append(indent).append("return ").append(camel(random)).append('(')
            .append(word(random, 150, 2)).append(", ").append(word(random, 150, 2)).append(");\n");
        case 2 -> text.append(indent).append("if (").append(word(random, 150, 2)).append(" != null) {\n")
            .append(indent).append("}\n");
        default -> text.append(indent).append("// ").append(word(random, 150, 2)).append(' ')
            .append(word(random, 150, 2)).append("\n\n");
      }
    }
    return text.append("}\n").toString();
  }

  private static String camel(Random random) {
    String a = word(random, 150, 2);
    String b = word(random, 150, 2);
    return a + Character.toUpperCase(b.charAt(0)) + b.substring(1);
  }

  private static String international(Random random) {
    StringBuilder text = new StringBuilder();
    for (int w = 10 + random.nextInt(60); w > 0; w--) {
      switch (random.nextInt(6)) {
        case 0, 1 -> text.append(word(random, 200, 3)).append(ACCENTED[skewed(random, ACCENTED.length)])
            .append(word(random, 40, 4));
        case 2 -> text.append(GREEK[skewed(random, GREEK.length)]);
        case 3 -> {
          for (int c = 2 + random.nextInt(5); c > 0; c--) {
            text.appendCodePoint(0x4E00 + skewed(random, 60));
          }
        }
        case 4 -> text.append(EMOJI[skewed(random, EMOJI.length)]);
        default -> text.append(random.nextBoolean() ? "¿" : "¡").append(word(random, 200, 3)).append('?');
      }
      text.append(random.nextInt(10) == 0 ? "\n" : " ");
    }
    return text.toString().strip();
  }
}
