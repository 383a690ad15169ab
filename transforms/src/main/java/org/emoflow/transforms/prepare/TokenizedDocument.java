package org.emoflow.transforms.prepare;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Comparator;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.VarInt;
import org.emoflow.model.data.packing.PackableDocument;

/**
 * A document's tokens (ending with EOS) and its split. {@code hash} is the stable hash of its id that
 * decided the split; it also orders documents inside a packing bucket, so the packing does not depend
 * on the runner.
 */
public record TokenizedDocument(
    String id, String domain, String split, int[] tokens, long hash, String sourceFile, long line) {

  /** A total order independent of arrival order: hash, then id, then where the record was read. */
  public static final Comparator<TokenizedDocument> PACKING_ORDER =
      Comparator.comparingLong(TokenizedDocument::hash)
          .thenComparing(TokenizedDocument::id)
          .thenComparing(TokenizedDocument::sourceFile)
          .thenComparingLong(TokenizedDocument::line);

  public PackableDocument packable() {
    return new PackableDocument(id, domain, tokens);
  }

  public static final class Coder extends CustomCoder<TokenizedDocument> {
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();

    @Override
    public void encode(TokenizedDocument doc, OutputStream out) throws IOException {
      STRING.encode(doc.id(), out);
      STRING.encode(doc.domain(), out);
      STRING.encode(doc.split(), out);
      VarInt.encode(doc.tokens().length, out);
      for (int token : doc.tokens()) {
        VarInt.encode(token, out);
      }
      LONG.encode(doc.hash(), out);
      STRING.encode(doc.sourceFile(), out);
      LONG.encode(doc.line(), out);
    }

    @Override
    public TokenizedDocument decode(InputStream in) throws IOException {
      String id = STRING.decode(in);
      String domain = STRING.decode(in);
      String split = STRING.decode(in);
      int[] tokens = new int[VarInt.decodeInt(in)];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = VarInt.decodeInt(in);
      }
      return new TokenizedDocument(id, domain, split, tokens, LONG.decode(in), STRING.decode(in), LONG.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
