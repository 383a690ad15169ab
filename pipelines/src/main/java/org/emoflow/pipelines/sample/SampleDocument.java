package org.emoflow.pipelines.sample;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A document before it is numbered.
 *
 * @param origin {@code <artifact coordinate>:<path in archive>}, e.g. {@code
 *     npm:lodash@4.17.21:chunk.js}
 */
record SampleDocument(String origin, String text) {

  long utf8Bytes() {
    return text.getBytes(UTF_8).length;
  }
}
