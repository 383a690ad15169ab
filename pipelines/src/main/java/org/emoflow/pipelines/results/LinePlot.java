package org.emoflow.pipelines.results;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Relative loss increase (y, as a percentage) against the fraction of experts kept (x, 0 to 100%), one
 * line with markers per router kind, a dashed line at the full model's 0, and a legend (the dashed line's
 * too) in the upper right, where the lines come down to the full model and leave room.
 */
final class LinePlot {
  static final int WIDTH = 900;
  static final int HEIGHT = 560;
  private static final int LEFT = 88;
  private static final int RIGHT = 28;
  private static final int TOP = 64;
  private static final int BOTTOM = 68;
  private static final double X_PAD = 0.03;
  private static final BasicStroke DASHED =
      new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 5}, 0);
  private static final String FULL_MODEL = "full model";

  /** One line: x ascending. */
  record Series(String name, Color colour, double[] x, double[] y) {}

  private LinePlot() {}

  static BufferedImage draw(String title, String subtitle, String xLabel, String yLabel, List<Series> series) {
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = Charts.canvas(image);
    double plotWidth = WIDTH - LEFT - RIGHT;
    double plotHeight = HEIGHT - TOP - BOTTOM;
    double low = 0;
    double high = 0;
    for (Series s : series) {
      for (double y : s.y()) {
        low = Math.min(low, y);
        high = Math.max(high, y);
      }
    }
    if (high - low < 1e-3) {
      high = low + 0.01;
    }
    List<Double> yTicks = Charts.ticks(low, high, 6);
    double yStep = yTicks.size() > 1 ? yTicks.get(1) - yTicks.get(0) : 0.01;
    // A little room beyond the outer ticks, so no point or the full model's line sits on the frame.
    double yPad = 0.04 * (yTicks.get(yTicks.size() - 1) - yTicks.get(0));
    double yMin = yTicks.get(0) - yPad;
    double yMax = yTicks.get(yTicks.size() - 1) + yPad;
    Axis x = value -> LEFT + (value + X_PAD) / (1 + 2 * X_PAD) * plotWidth;
    Axis y = value -> TOP + plotHeight - (value - yMin) / (yMax - yMin) * plotHeight;

    g.setColor(Charts.INK);
    g.setFont(Charts.font(19, true));
    Charts.centred(g, title, WIDTH / 2.0, 28);
    g.setFont(Charts.font(13, false));
    g.setColor(Charts.MUTED);
    Charts.centred(g, subtitle, WIDTH / 2.0, 48);

    g.setFont(Charts.font(13, false));
    for (double tick : yTicks) {
      double py = y.at(tick);
      g.setColor(Charts.GRID);
      g.draw(new Line2D.Double(LEFT, py, LEFT + plotWidth, py));
      g.setColor(Charts.INK);
      Charts.rightAligned(g, Charts.percent(tick, yStep), LEFT - 8, py);
    }
    for (int i = 0; i <= 4; i++) {
      double tick = i / 4.0;
      double px = x.at(tick);
      g.setColor(Charts.GRID);
      g.draw(new Line2D.Double(px, TOP, px, TOP + plotHeight));
      g.setColor(Charts.INK);
      Charts.centred(g, Charts.percent(tick, 0.25), px, TOP + plotHeight + 20);
    }
    g.setColor(Charts.INK);
    g.setStroke(new BasicStroke(1.2f));
    g.draw(new Rectangle2D.Double(LEFT, TOP, plotWidth, plotHeight));
    g.setFont(Charts.font(14, false));
    Charts.centred(g, xLabel, LEFT + plotWidth / 2, HEIGHT - 18);
    Graphics2D rotated = (Graphics2D) g.create();
    rotated.rotate(-Math.PI / 2);
    Charts.centred(rotated, yLabel, -(TOP + plotHeight / 2), 22);
    rotated.dispose();

    g.setColor(Charts.MUTED);
    g.setStroke(DASHED);
    g.draw(new Line2D.Double(LEFT, y.at(0), LEFT + plotWidth, y.at(0)));

    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      g.setColor(s.colour());
      g.setStroke(new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      Path2D line = new Path2D.Double();
      for (int p = 0; p < s.x().length; p++) {
        if (p == 0) {
          line.moveTo(x.at(s.x()[p]), y.at(s.y()[p]));
        } else {
          line.lineTo(x.at(s.x()[p]), y.at(s.y()[p]));
        }
      }
      g.draw(line);
      for (int p = 0; p < s.x().length; p++) {
        g.fill(marker(i, x.at(s.x()[p]), y.at(s.y()[p]), 5));
      }
    }
    legend(g, series, LEFT + plotWidth - 12, TOP + 12);
    g.dispose();
    return image;
  }

  /** Circles, squares, diamonds, ... so lines stay apart without colour too. */
  private static Shape marker(int index, double cx, double cy, double r) {
    return switch (index % 3) {
      case 0 -> new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
      case 1 -> new Rectangle2D.Double(cx - r * 0.9, cy - r * 0.9, 1.8 * r, 1.8 * r);
      default -> {
        Path2D diamond = new Path2D.Double();
        diamond.moveTo(cx, cy - r * 1.25);
        diamond.lineTo(cx + r * 1.25, cy);
        diamond.lineTo(cx, cy + r * 1.25);
        diamond.lineTo(cx - r * 1.25, cy);
        diamond.closePath();
        yield diamond;
      }
    };
  }

  private static void legend(Graphics2D g, List<Series> series, double right, double top) {
    g.setFont(Charts.font(14, false));
    var metrics = g.getFontMetrics();
    int textWidth = Math.max(metrics.stringWidth(FULL_MODEL),
        series.stream().mapToInt(s -> metrics.stringWidth(s.name())).max().orElse(0));
    double rowHeight = 24;
    double width = 16 + 36 + 10 + textWidth + 16;
    double height = 12 + rowHeight * (series.size() + 1);
    double left = right - width;
    g.setColor(new Color(255, 255, 255, 235));
    g.fill(new Rectangle2D.Double(left, top, width, height));
    g.setColor(Charts.GRID.darker());
    g.setStroke(new BasicStroke(1f));
    g.draw(new Rectangle2D.Double(left, top, width, height));
    for (int i = 0; i <= series.size(); i++) {
      double cy = top + 6 + rowHeight * i + rowHeight / 2;
      boolean full = i == series.size();
      g.setColor(full ? Charts.MUTED : series.get(i).colour());
      g.setStroke(full ? DASHED : new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(new Line2D.Double(left + 16, cy, left + 52, cy));
      if (!full) {
        g.fill(marker(i, left + 34, cy, 5));
      }
      g.setColor(Charts.INK);
      g.drawString(full ? FULL_MODEL : series.get(i).name(), (float) (left + 62),
          (float) (cy + metrics.getAscent() / 2.0 - 2));
    }
  }

  private interface Axis {
    double at(double value);
  }
}
