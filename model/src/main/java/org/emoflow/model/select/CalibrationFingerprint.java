package org.emoflow.model.select;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.emoflow.model.data.PackedSequence;
import org.emoflow.model.io.Checksums;

/**
 * Identifies a calibration set: sha256 over every row's tokens, segment lengths, document ids and offsets,
 * in order, so two selections can be told to come from the same documents.
 *
 * @param scoredTokens tokens whose next token is in their own segment: the ones calibration averages over
 */
public record CalibrationFingerprint(String sha256, int rows, long scoredTokens) {

  public static CalibrationFingerprint of(List<PackedSequence> rows) {
    MessageDigest digest = Checksums.newSha256();
    long scored = 0;
    for (PackedSequence row : rows) {
      digest.update(ints(row.tokens()));
      digest.update(ints(row.segmentLengths()));
      digest.update(ints(row.docOffsets()));
      for (String docId : row.docIds()) {
        byte[] utf8 = docId.getBytes(StandardCharsets.UTF_8);
        // Length-prefixed, so ids that concatenate alike ("ab"+"c", "a"+"bc") still differ.
        digest.update(ByteBuffer.allocate(4).putInt(utf8.length).array());
        digest.update(utf8);
      }
      scored += Arrays.stream(row.segmentLengths()).map(length -> length - 1).sum();
    }
    return new CalibrationFingerprint(Checksums.hex(digest), rows.size(), scored);
  }

  private static byte[] ints(int[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * values.length).putInt(values.length);
    for (int value : values) {
      buffer.putInt(value);
    }
    return buffer.array();
  }

}
