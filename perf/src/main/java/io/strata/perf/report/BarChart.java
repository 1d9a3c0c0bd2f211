package io.strata.perf.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * A horizontal grouped bar chart written as a PNG with Java2D, headless: one group per category (a
 * data set), one bar per series (a tool) in each, the value printed at the bar's end. Enough for
 * the report's three questions; no plotting library is needed for that.
 */
public final class BarChart {
  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b),
    new Color(0xe377c2),
    new Color(0x7f7f7f)
  };
  private static final int WIDTH = 900;
  private static final int BAR = 18;
  private static final int GAP = 14;

  private final String title;
  private final String unit;
  private final Map<String, Map<String, Double>> values = new LinkedHashMap<>();

  /** A chart titled {@code title} whose values are in {@code unit}. */
  public BarChart(String title, String unit) {
    this.title = title;
    this.unit = unit;
  }

  /** Sets the bar of {@code series} in group {@code category}. */
  public BarChart put(String category, String series, double value) {
    values.computeIfAbsent(category, k -> new LinkedHashMap<>()).put(series, value);
    return this;
  }

  /** Whether there is nothing to draw. */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  /** Draws the chart into {@code png}. */
  public void write(Path png) throws IOException {
    Set<String> series = new LinkedHashSet<>();
    values.values().forEach(m -> series.addAll(m.keySet()));
    List<String> names = new ArrayList<>(series);
    int rowsHeight = 0;
    for (Map<String, Double> m : values.values()) {
      rowsHeight += m.size() * BAR + GAP + 20;
    }
    int height = 60 + rowsHeight + 20;
    BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, height);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString(title + " (" + unit + ")", 20, 30);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics fm = g.getFontMetrics();
      double max =
          values.values().stream()
              .flatMap(m -> m.values().stream())
              .mapToDouble(d -> d)
              .max()
              .orElse(1);
      int left = 20;
      int barLeft = 160;
      int barMax = WIDTH - barLeft - 120;
      int y = 60;
      for (Map.Entry<String, Map<String, Double>> group : values.entrySet()) {
        g.setColor(Color.BLACK);
        g.drawString(group.getKey(), left, y + 12);
        y += 20;
        for (Map.Entry<String, Double> bar : group.getValue().entrySet()) {
          int w = (int) Math.round(bar.getValue() / max * barMax);
          g.setColor(PALETTE[names.indexOf(bar.getKey()) % PALETTE.length]);
          g.fillRect(barLeft, y, Math.max(1, w), BAR - 4);
          g.setColor(Color.DARK_GRAY);
          String label = bar.getKey();
          g.drawString(label, barLeft - 8 - fm.stringWidth(label), y + BAR - 7);
          g.drawString(format(bar.getValue()), barLeft + w + 6, y + BAR - 7);
          y += BAR;
        }
        y += GAP;
      }
      g.setStroke(new BasicStroke(1));
      g.setColor(Color.GRAY);
      g.drawLine(barLeft, 50, barLeft, y - GAP);
    } finally {
      g.dispose();
    }
    ImageIO.write(img, "png", png.toFile());
  }

  private static String format(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
