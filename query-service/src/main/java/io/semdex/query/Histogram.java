package io.semdex.query;

import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram of seconds: fixed upper bounds, cumulative when written out. Safe from many threads. */
final class Histogram {

    /** 1 ms to 10 s, roughly ×2.5 apart: query embedding and search latencies of a CPU model fall well inside. */
    static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final double[] bounds;
    private final LongAdder[] counts;
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double seconds) {
        int i = 0;
        while (i < bounds.length && seconds > bounds[i]) {
            i++;
        }
        counts[i].increment();
        sum.add(seconds);
    }

    void observeNanos(long nanos) {
        observe(nanos / 1e9);
    }

    long count() {
        long n = 0;
        for (LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }

    /** The sample lines of this histogram; {@code labels} is empty or like {@code mode="vector"}. */
    void write(StringBuilder out, String name, String labels) {
        String prefix = labels.isEmpty() ? "" : labels + ",";
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            out.append(name).append("_bucket{").append(prefix).append("le=\"").append(number(bounds[i])).append("\"} ")
                    .append(cumulative).append('\n');
        }
        cumulative += counts[bounds.length].sum();
        out.append(name).append("_bucket{").append(prefix).append("le=\"+Inf\"} ").append(cumulative).append('\n');
        String braces = labels.isEmpty() ? "" : "{" + labels + "}";
        out.append(name).append("_sum").append(braces).append(' ').append(number(sum.sum())).append('\n');
        out.append(name).append("_count").append(braces).append(' ').append(cumulative).append('\n');
    }

    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%s", value);
    }
}
