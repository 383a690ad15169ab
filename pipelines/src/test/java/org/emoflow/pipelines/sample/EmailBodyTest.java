package org.emoflow.pipelines.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class EmailBodyTest {

  private final EmailBody emailBody = new EmailBody();

  @Test
  void keepsSubjectAndBodyAndDropsTransportHeaders() {
    String message =
        """
        From alice@example.org  Thu Aug 22 12:46:39 2002
        Received: from relay.example.org
        \tby mx.example.org with SMTP; Thu, 22 Aug 2002 12:46:29 +0100
        Subject: [list] Re: limestone
         or granite?
        Content-Type: text/plain; charset=US-ASCII
        Content-Transfer-Encoding: 7bit

        If it's limestone, it'll weather pretty fast.
        """;

    assertEquals(
        Optional.of(
            "Subject: [list] Re: limestone or granite?\n\n"
                + "If it's limestone, it'll weather pretty fast.\n"),
        emailBody.convert(message));
  }

  @Test
  void messageWithoutSubjectOrContentTypeIsItsBody() {
    assertEquals(
        Optional.of("Plain words.\n"),
        emailBody.convert("From: bob@example.org\n\nPlain words.\n"));
  }

  @Test
  void dropsMessagesWhoseRawFormIsNotProse() {
    String html = "Subject: offer\nContent-Type: text/html\n\n<p>Buy</p>\n";
    String base64 =
        "Subject: note\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n";
    String multipart =
        "Subject: signed\nContent-Type: multipart/signed; boundary=x\n\n--x\nhello\n--x--\n";
    String headersOnly = "Subject: nothing to say\n\n \n";

    assertEquals(Optional.empty(), emailBody.convert(html));
    assertEquals(Optional.empty(), emailBody.convert(base64));
    assertEquals(Optional.empty(), emailBody.convert(multipart));
    assertEquals(Optional.empty(), emailBody.convert(headersOnly));
  }
}
