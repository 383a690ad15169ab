package org.emoflow.pipelines.results;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.emoflow.pipelines.Main;

/** One {@code ./emoflow} command run in this JVM, its stdout and stderr captured. */
record Invocation(int status, String out, String err) {

  static synchronized Invocation of(String... args) {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream capturedOut = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream capturedErr = new PrintStream(err, true, StandardCharsets.UTF_8);
    System.setOut(capturedOut);
    System.setErr(capturedErr);
    try {
      int status = Main.run(args, capturedOut, capturedErr);
      return new Invocation(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
  }
}
