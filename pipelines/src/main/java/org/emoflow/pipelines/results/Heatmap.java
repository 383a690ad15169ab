package org.emoflow.pipelines.results;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * How each domain's tokens spread over the routed experts, one panel per layer: domains as rows,
 * experts as columns, a cell's colour its token share on a given scale (white 0 to dark blue at the top;
 * the report uses one scale for all checkpoints, so routers compare by colour), with a colour bar. Cells
 * carry their percentage when they are wide enough.
 */
final class Heatmap {
  /** Light to dark: ColorBrewer's sequential Blues. */
  private static final Color[] SCALE = {
      new Color(0xF7, 0xFB, 0xFF), new Color(0xC6, 0xDB, 0xEF), new Color(0x6B, 0xAE, 0xD6),
      new Color(0x21, 0x71, 0xB5), new Color(0x08, 0x30, 0x6B)};
  private static final int MARGIN = 24;
  private static final int TITLE = 64;
  private static final int PANEL_TITLE = 26;
  private static final int EXPERT_LABELS = 34;
  private static final int PANEL_GAP = 22;
  private static final int ROW = 24;
  private static final int COLOUR_BAR = 80;

  /** One layer's shares, [domain][expert]. */
  record Layer(int layer, double[][] share) {}

  private Heatmap() {}

  /** @param scaleTop the share drawn darkest; larger shares are drawn so too */
  static BufferedImage draw(String title, String subtitle, List<String> domains, int experts, List<Layer> layers,
      double scaleTop) {
    double top = Math.max(scaleTop, 1e-12);
    int cell = Math.max(6, Math.min(44, 760 / experts));
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D measure = probe.createGraphics();
    measure.setFont(Charts.font(13, false));
    int labelWidth = domains.stream().mapToInt(d -> measure.getFontMetrics().stringWidth(d)).max().orElse(0) + 12;
    measure.setFont(Charts.font(18, true));
    int titleWidth = measure.getFontMetrics().stringWidth(title);
    measure.dispose();
    int gridWidth = cell * experts;
    int panelHeight = PANEL_TITLE + ROW * domains.size() + EXPERT_LABELS;
    int columns = layers.size() >= 4 ? 2 : 1;
    int rows = (layers.size() + columns - 1) / columns;
    int panelWidth = labelWidth + gridWidth;
    int panelsWidth = columns * panelWidth + (columns - 1) * PANEL_GAP * 2;
    int width = Math.max(MARGIN * 2 + panelsWidth + COLOUR_BAR, titleWidth + 2 * MARGIN);
    int barHeight = Math.max(80, Math.min(220, rows * panelHeight - PANEL_TITLE - 16 - EXPERT_LABELS));
    int height = Math.max(TITLE + rows * panelHeight + (rows - 1) * PANEL_GAP, TITLE + PANEL_TITLE + 16 + barHeight + 12)
        + MARGIN;

    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Charts.canvas(image);
    g.setColor(Charts.INK);
    g.setFont(Charts.font(18, true));
    Charts.centred(g, title, width / 2.0, 28);
    g.setColor(Charts.MUTED);
    g.setFont(Charts.font(13, false));
    Charts.centred(g, subtitle, width / 2.0, 48);
    for (int i = 0; i < layers.size(); i++) {
      int left = MARGIN + (i % columns) * (panelWidth + PANEL_GAP * 2);
      int panelTop = TITLE + (i / columns) * (panelHeight + PANEL_GAP);
      panel(g, layers.get(i), domains, experts, cell, left, panelTop, labelWidth, top);
    }
    colourBar(g, MARGIN + panelsWidth + 28, TITLE + PANEL_TITLE + 16, barHeight, top);
    g.dispose();
    return image;
  }

  private static void panel(Graphics2D g, Layer layer, List<String> domains, int experts, int cell, int left,
      int top, int labelWidth, double scaleTop) {
    int gridLeft = left + labelWidth;
    int gridTop = top + PANEL_TITLE;
    g.setColor(Charts.INK);
    g.setFont(Charts.font(14, true));
    g.drawString("layer " + layer.layer(), gridLeft, top + 17);
    g.setFont(Charts.font(13, false));
    for (int d = 0; d < domains.size(); d++) {
      g.setColor(Charts.INK);
      Charts.rightAligned(g, domains.get(d), gridLeft - 8, gridTop + d * ROW + ROW / 2.0);
      for (int e = 0; e < experts; e++) {
        double share = layer.share()[d][e];
        Color colour = colour(share / scaleTop);
        g.setColor(colour);
        g.fill(new Rectangle2D.Double(gridLeft + e * cell, gridTop + d * ROW, cell, ROW));
        if (cell >= 30) {
          g.setFont(Charts.font(11, false));
          g.setColor(luminance(colour) < 0.5 ? Color.WHITE : Charts.INK);
          Charts.centred(g, String.format(Locale.ROOT, "%.0f", share * 100), gridLeft + e * cell + cell / 2.0,
              gridTop + d * ROW + ROW / 2.0 + 4);
          g.setFont(Charts.font(13, false));
        }
      }
    }
    g.setColor(Charts.GRID.darker());
    g.setStroke(new BasicStroke(1f));
    g.draw(new Rectangle2D.Double(gridLeft, gridTop, experts * cell, domains.size() * ROW));
    g.setColor(Charts.INK);
    g.setFont(Charts.font(11, false));
    int tickWidth = g.getFontMetrics().stringWidth(Integer.toString(experts - 1)) + 8;
    int every = 1;
    while (every * cell < tickWidth) {
      every *= 2;
    }
    for (int e = 0; e < experts; e += every) {
      Charts.centred(g, Integer.toString(e), gridLeft + e * cell + cell / 2.0, gridTop + domains.size() * ROW + 14);
    }
    g.setFont(Charts.font(12, false));
    g.setColor(Charts.MUTED);
    Charts.centred(g, "routed expert", gridLeft + experts * cell / 2.0, gridTop + domains.size() * ROW + 30);
  }

  private static void colourBar(Graphics2D g, int left, int top, int height, double scaleTop) {
    int barWidth = 14;
    for (int y = 0; y < height; y++) {
      g.setColor(colour(1 - (double) y / (height - 1)));
      g.fillRect(left, top + y, barWidth, 1);
    }
    g.setColor(Charts.GRID.darker());
    g.drawRect(left, top, barWidth, height);
    g.setColor(Charts.INK);
    g.setFont(Charts.font(11, false));
    double step = Charts.step(scaleTop / 4);
    for (double tick : Charts.ticks(0, scaleTop, 4)) {
      if (tick > scaleTop + 1e-12) {
        break;
      }
      double y = top + height - tick / scaleTop * height;
      g.drawLine(left + barWidth, (int) y, left + barWidth + 3, (int) y);
      g.drawString(Charts.percent(tick, step), left + barWidth + 5, (float) (y + 4));
    }
    g.setColor(Charts.MUTED);
    g.drawString("share", left - 4, top - 8);
  }

  /** Linear interpolation along the scale; t is clamped to [0, 1]. */
  static Color colour(double t) {
    double clamped = Math.max(0, Math.min(1, t)) * (SCALE.length - 1);
    int i = Math.min(SCALE.length - 2, (int) Math.floor(clamped));
    double f = clamped - i;
    Color a = SCALE[i];
    Color b = SCALE[i + 1];
    return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
        (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
        (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
  }

  private static double luminance(Color c) {
    return (0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue()) / 255;
  }
}
