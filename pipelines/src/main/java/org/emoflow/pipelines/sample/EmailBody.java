package org.emoflow.pipelines.sample;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps what a person wrote in a plain-text e-mail: its subject and body. Transport headers
 * (Received, X-*, ...) are machine-generated and would make up most of a small sample. Messages
 * in HTML, multipart or base64/quoted-printable form are dropped rather than decoded, because
 * their raw form is markup or encoding, not prose.
 */
final class EmailBody implements TextConverter {

  private static final Pattern FOLDED_LINE_BREAK = Pattern.compile("\n[ \t]+");
  private static final Pattern HEADER_LINE = Pattern.compile("([A-Za-z0-9-]+):[ \t]*(.*)");
  private static final Set<String> VERBATIM_ENCODINGS = Set.of("7bit", "8bit");

  @Override
  public Optional<String> convert(String message) {
    int headerEnd = message.indexOf("\n\n");
    if (headerEnd < 0) {
      return Optional.empty();
    }
    Map<String, String> headers = parseHeaders(message.substring(0, headerEnd));
    String body = message.substring(headerEnd + 2);
    if (!isPlainText(headers) || body.isBlank()) {
      return Optional.empty();
    }
    String subject = headers.getOrDefault("subject", "");
    return Optional.of(subject.isBlank() ? body : "Subject: " + subject + "\n\n" + body);
  }

  /** Header names in lower case; the first occurrence wins, as for a mail reader. */
  private static Map<String, String> parseHeaders(String headerBlock) {
    Map<String, String> headers = new HashMap<>();
    for (String line : FOLDED_LINE_BREAK.matcher(headerBlock).replaceAll(" ").split("\n")) {
      Matcher header = HEADER_LINE.matcher(line);
      if (header.matches()) {
        headers.putIfAbsent(header.group(1).toLowerCase(Locale.ROOT), header.group(2).strip());
      }
    }
    return headers;
  }

  private static boolean isPlainText(Map<String, String> headers) {
    String type = headers.getOrDefault("content-type", "text/plain").toLowerCase(Locale.ROOT);
    String encoding =
        headers.getOrDefault("content-transfer-encoding", "7bit").toLowerCase(Locale.ROOT);
    return type.startsWith("text/plain") && VERBATIM_ENCODINGS.contains(encoding);
  }
}
