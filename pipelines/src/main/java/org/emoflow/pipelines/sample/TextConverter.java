package org.emoflow.pipelines.sample;

import java.io.IOException;
import java.util.Optional;

/** Turns the text of one archive file into a document's text. */
@FunctionalInterface
interface TextConverter {

  /** For files that are the document as they stand: source code, man pages, plain-text books. */
  TextConverter WHOLE_FILE = Optional::of;

  /**
   * Returns the document's text, or empty when the file holds nothing worth keeping.
   *
   * @throws IOException when the file does not have the layout this converter was chosen for
   */
  Optional<String> convert(String fileText) throws IOException;
}
