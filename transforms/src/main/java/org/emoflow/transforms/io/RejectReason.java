package org.emoflow.transforms.io;

import java.util.Locale;

/** Why an input record was not used; {@link #code()} is the {@code reason} column of the dead letters. */
public enum RejectReason {
  MALFORMED_JSON,
  NOT_AN_OBJECT,
  INVALID_UTF8,
  INVALID_UNICODE,
  MISSING_TEXT,
  NON_STRING_TEXT,
  EMPTY_TEXT,
  TOO_LARGE,
  CORRUPT_FILE,
  TOKENIZER_ERROR;

  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
