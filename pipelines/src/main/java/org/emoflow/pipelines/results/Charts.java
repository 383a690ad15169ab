package org.emoflow.pipelines.results;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** What the report's pictures share: fonts, colours, axis ticks, PNG output. Java2D only. */
final class Charts {
  static final Color INK = new Color(0x22, 0x22, 0x22);
  static final Color GRID = new Color(0xE3, 0xE3, 0xE3);
  static final Color MUTED = new Color(0x77, 0x77, 0x77);

  /** Router kinds keep their colour in every picture; others take the rest of the palette in order. */
  private static final Map<String, Color> ROUTER_COLOURS = Map.of(
      "emo", new Color(0x1F, 0x77, 0xB4),
      "standard", new Color(0xFF, 0x7F, 0x0E),
      "dense", new Color(0x2C, 0xA0, 0x2C));
  private static final Color[] OTHER_COLOURS = {
      new Color(0xD6, 0x27, 0x28), new Color(0x94, 0x67, 0xBD), new Color(0x8C, 0x56, 0x4B),
      new Color(0xE3, 0x77, 0xC2), new Color(0x17, 0xBE, 0xCF)};

  private Charts() {}

  static Color routerColour(String router, int otherIndex) {
    Color known = ROUTER_COLOURS.get(router);
    return known != null ? known : OTHER_COLOURS[otherIndex % OTHER_COLOURS.length];
  }

  static Font font(float size, boolean bold) {
    return new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, 1).deriveFont(size);
  }

  /** A white canvas with antialiased shapes and text. */
  static Graphics2D canvas(BufferedImage image) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    return g;
  }

  static void write(BufferedImage image, Path file) throws IOException {
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer in this Java runtime");
    }
  }

  /** Text centred on x, its baseline at y. */
  static void centred(Graphics2D g, String text, double x, double y) {
    g.drawString(text, (float) (x - g.getFontMetrics().stringWidth(text) / 2.0), (float) y);
  }

  /** Text ending at x, vertically centred on y. */
  static void rightAligned(Graphics2D g, String text, double x, double y) {
    var metrics = g.getFontMetrics();
    g.drawString(text, (float) (x - metrics.stringWidth(text)), (float) (y + metrics.getAscent() / 2.0 - 1));
  }

  /**
   * Round tick values (1, 2, 2.5 or 5 times a power of ten), about {@code count} of them, from one at or
   * below low to one at or above high.
   */
  static List<Double> ticks(double low, double high, int count) {
    double step = step((high - low) / Math.max(1, count));
    long first = (long) Math.floor(low / step + 1e-9);
    long last = (long) Math.ceil(high / step - 1e-9);
    List<Double> ticks = new ArrayList<>();
    for (long i = first; i <= Math.max(last, first + 1); i++) {
      ticks.add(i * step);
    }
    return ticks;
  }

  static double step(double rough) {
    if (!(rough > 0)) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(rough)));
    for (double multiple : new double[] {1, 2, 2.5, 5, 10}) {
      if (multiple * power >= rough) {
        return multiple * power;
      }
    }
    return 10 * power;
  }

  /** A fraction as a percentage with as many decimals as the tick step needs (2.5% steps need one). */
  static String percent(double fraction, double step) {
    int decimals = 0;
    while (decimals < 6 && Math.abs(step * 100 * Math.pow(10, decimals) - Math.rint(step * 100 * Math.pow(10, decimals)))
        > 1e-6) {
      decimals++;
    }
    return String.format(Locale.ROOT, "%." + decimals + "f%%", fraction * 100);
  }
}
