package org.emoflow.transforms.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** A parsed input record: its text, labels and where it was read. {@code line} is 1-based. */
public record Document(String id, String text, String domain, String sourceFile, long line) {

  /** Identifies the record uniquely even when ids repeat across files. */
  public String location() {
    return sourceFile + "#" + line;
  }

  public static final class Coder extends CustomCoder<Document> {
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();

    @Override
    public void encode(Document doc, OutputStream out) throws IOException {
      STRING.encode(doc.id(), out);
      STRING.encode(doc.text(), out);
      STRING.encode(doc.domain(), out);
      STRING.encode(doc.sourceFile(), out);
      LONG.encode(doc.line(), out);
    }

    @Override
    public Document decode(InputStream in) throws IOException {
      return new Document(STRING.decode(in), STRING.decode(in), STRING.decode(in), STRING.decode(in), LONG.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
