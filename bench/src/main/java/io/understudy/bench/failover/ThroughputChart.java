package io.understudy.bench.failover;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Acknowledged writes per 100 ms bucket over time, with labelled vertical markers, as a PNG (XChart). */
final class ThroughputChart {

    static final long BUCKET_NANOS = 100_000_000L;

    private final long start;
    private final long end;
    private final List<Long> acks;
    private final List<long[]> markerAt = new ArrayList<>();
    private final List<String> markerText = new ArrayList<>();

    /**
     * @param start the chart's time zero ({@link System#nanoTime})
     * @param end   its end
     * @param acks  the instants of the acknowledged writes
     */
    ThroughputChart(long start, long end, List<Long> acks) {
        this.start = start;
        this.end = end;
        this.acks = List.copyOf(acks);
    }

    void marker(long at, String text) {
        markerAt.add(new long[] {at});
        markerText.add(text);
    }

    /** {@return acks per bucket, bucket i covering [start + i * 100 ms, start + (i + 1) * 100 ms)} */
    int[] buckets() {
        int n = (int) Math.max(1, (end - start + BUCKET_NANOS - 1) / BUCKET_NANOS);
        int[] b = new int[n];
        for (long a : acks) {
            long i = (a - start) / BUCKET_NANOS;
            if (a >= start && i < n) {
                b[(int) i]++;
            }
        }
        return b;
    }

    void write(Path png, String title) throws IOException {
        int[] b = buckets();
        double[] x = new double[b.length];
        double[] y = new double[b.length];
        double top = 1;
        for (int i = 0; i < b.length; i++) {
            x[i] = i * 0.1;
            y[i] = b[i];
            top = Math.max(top, b[i]);
        }
        XYChart chart = new XYChartBuilder().width(1100).height(520).title(title)
                .xAxisTitle("seconds").yAxisTitle("acknowledged writes per 100 ms").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(top * 1.35);
        chart.getStyler().setAnnotationLineColor(new Color(200, 40, 40));
        chart.getStyler().setAnnotationLineStroke(new BasicStroke(1.5f));
        chart.getStyler().setAnnotationTextFontColor(new Color(120, 20, 20));
        XYSeries s = chart.addSeries("acks", x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        for (int i = 0; i < markerAt.size(); i++) {
            double at = (markerAt.get(i)[0] - start) / 1e9;
            chart.addAnnotation(new AnnotationLine(at, true, false));
            // Stagger the labels so neighbouring markers stay readable.
            chart.addAnnotation(new AnnotationText(markerText.get(i), at, top * (1.30 - 0.07 * (i % 4)), false));
        }
        try (var o = java.nio.file.Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, o, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
