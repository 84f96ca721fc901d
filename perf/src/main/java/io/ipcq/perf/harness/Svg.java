package io.ipcq.perf.harness;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The latency percentile plot: one panel per scenario, one line per system, both axes logarithmic (x: percentile
 * as 1 / (1 - p), the usual HdrHistogram view; y: latency in ns).
 */
final class Svg
{
    private static final String[] COLOURS = {
        "#444444", "#d62728", "#1f77b4", "#17becf", "#ff7f0e", "#2ca02c", "#9467bd" };
    private static final int PANEL_W = 560;
    private static final int PANEL_H = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 35;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;
    private static final double X_DECADES = 5;

    private Svg()
    {
    }

    static String percentilePlot(
        final List<BenchMain.Row> rows, final List<Scenario> scenarios, final Environment environment)
    {
        final int columns = 2;
        final int panels = scenarios.size();
        final int rowsOfPanels = (panels + columns - 1) / columns;
        final int width = columns * PANEL_W;
        final int legendH = 40;
        final int height = rowsOfPanels * PANEL_H + legendH + 30;
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" " +
            "font-family=\"sans-serif\" font-size=\"11\">\n", width, height, width, height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(Locale.ROOT,
            "<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">ipcq and peers: latency by percentile " +
            "(log-log), %s, %s run</text>\n", escape(environment.date), environment.mode));
        for (int i = 0; i < panels; i++)
        {
            final int x0 = (i % columns) * PANEL_W;
            final int y0 = 25 + (i / columns) * PANEL_H;
            panel(svg, rows, scenarios.get(i), x0, y0);
        }
        final int legendY = 25 + rowsOfPanels * PANEL_H + 15;
        int lx = 10;
        for (final SystemKind system : SystemKind.values())
        {
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2.5\"%s/>" +
                "<text x=\"%d\" y=\"%d\">%s</text>\n",
                lx, legendY, lx + 22, legendY, colour(system), dash(system), lx + 26, legendY + 4, system.id));
            lx += 30 + system.id.length() * 7;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String colour(final SystemKind system)
    {
        return COLOURS[system.ordinal() % COLOURS.length];
    }

    private static String dash(final SystemKind system)
    {
        return system == SystemKind.FLOOR ? " stroke-dasharray=\"5,3\"" : "";
    }

    private static void panel(
        final StringBuilder svg, final List<BenchMain.Row> rows, final Scenario scenario, final int x0, final int y0)
    {
        final List<BenchMain.Row> lines = new ArrayList<>();
        long min = Long.MAX_VALUE;
        long max = 1;
        for (final BenchMain.Row row : rows)
        {
            if (row.scenario == scenario && row.hasData() && row.histogram.getTotalCount() > 0)
            {
                lines.add(row);
                min = Math.min(min, Math.max(1, row.histogram.getMinValue()));
                max = Math.max(max, row.histogram.getMaxValue());
            }
        }
        final int plotW = PANEL_W - LEFT - RIGHT;
        final int plotH = PANEL_H - TOP - BOTTOM;
        final int px = x0 + LEFT;
        final int py = y0 + TOP;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-weight=\"bold\">%s" +
            "</text>\n", px, y0 + 22, scenario.id + " (" + shortMeaning(scenario) + ")"));
        svg.append(String.format(Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
            px, py, plotW, plotH));
        if (lines.isEmpty())
        {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">no data</text>\n",
                px + plotW / 2 - 20, py + plotH / 2));
            return;
        }
        final double yLo = Math.floor(Math.log10(min));
        final double yHi = Math.max(yLo + 1, Math.ceil(Math.log10(max)));
        for (int d = (int)yLo; d <= (int)yHi; d++)
        {
            final double y = py + plotH - (d - yLo) / (yHi - yLo) * plotH;
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>" +
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                px, y, px + plotW, y, px - 5, y + 4, label(Math.pow(10, d))));
        }
        final String[] xLabels = { "0%", "90%", "99%", "99.9%", "99.99%", "99.999%" };
        for (int d = 0; d <= X_DECADES; d++)
        {
            final double x = px + d / X_DECADES * plotW;
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e5e5\"/>" +
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                x, py, x, py + plotH, x, py + plotH + 15, xLabels[d]));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>\n",
            px + plotW / 2, py + plotH + 32));
        svg.append(String.format(Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">latency</text>\n",
            x0 + 14, py + plotH / 2, x0 + 14, py + plotH / 2));
        for (final BenchMain.Row row : lines)
        {
            final Histogram h = row.histogram;
            final double xMax = Math.min(X_DECADES, Math.log10(Math.max(10, h.getTotalCount())));
            final StringBuilder points = new StringBuilder();
            for (double xd = 0; xd <= xMax + 1e-9; xd += 0.02)
            {
                final double percentile = 100 * (1 - Math.pow(10, -xd));
                final long value = Math.max(1, h.getValueAtPercentile(percentile));
                final double x = px + xd / X_DECADES * plotW;
                final double y = py + plotH - (Math.log10(value) - yLo) / (yHi - yLo) * plotH;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            final double xEnd = px + xMax / X_DECADES * plotW;
            final double yEnd = py + plotH - (Math.log10(Math.max(1, h.getMaxValue())) - yLo) / (yHi - yLo) * plotH;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f", xEnd, yEnd));
            svg.append(String.format(Locale.ROOT,
                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s points=\"%s\"><title>%s</title>" +
                "</polyline>\n", colour(row.system), dash(row.system), points, row.system.id));
        }
    }

    private static String shortMeaning(final Scenario scenario)
    {
        return switch (scenario)
        {
            case RTT_1P1C -> "round trip";
            case THROUGHPUT_1P1C, THROUGHPUT_4P4C -> "one-way, saturated";
            case PACED_8P4C -> "one-way from intended send, 100k msgs/s";
            case BRIDGE -> "queue A to queue B through JetStream, saturated";
            case WAKEUP -> "send to lease, consumer parked 12 ms";
        };
    }

    private static String label(final double ns)
    {
        if (ns >= 1e9)
        {
            return String.format(Locale.ROOT, "%.0f s", ns / 1e9);
        }
        if (ns >= 1e6)
        {
            return String.format(Locale.ROOT, "%.0f ms", ns / 1e6);
        }
        if (ns >= 1e3)
        {
            return String.format(Locale.ROOT, "%.0f us", ns / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f ns", ns);
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
