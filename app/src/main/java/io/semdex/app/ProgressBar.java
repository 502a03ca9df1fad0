package io.semdex.app;

import java.io.PrintWriter;

/** A one-line progress bar, {@code [=====>    ] 120/175}, redrawn in place on a terminal stream. */
final class ProgressBar {

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final long total;
    private long done;
    private long lastDraw;
    private int lastFilled = -1;

    ProgressBar(PrintWriter out, long total) {
        if (total < 0) {
            throw new IllegalArgumentException("total must be >= 0, got " + total);
        }
        this.out = out;
        this.total = total;
    }

    /** Counts one more item done; redraws at most every 100 ms unless the bar grew. Safe from any thread. */
    synchronized void advance() {
        done++;
        int filled = filled();
        long now = System.nanoTime();
        if (filled != lastFilled || now - lastDraw >= REDRAW_NANOS || done == total) {
            draw(filled);
            lastDraw = now;
        }
    }

    /** Draws the final state and ends the line. */
    synchronized void finish() {
        draw(filled());
        out.println();
        out.flush();
    }

    static String render(long done, long total) {
        int filled = total == 0 ? WIDTH : (int) Math.min(WIDTH, done * WIDTH / total);
        StringBuilder bar = new StringBuilder(WIDTH + 24).append('[');
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        return bar.append("] ").append(done).append('/').append(total).toString();
    }

    private int filled() {
        return total == 0 ? WIDTH : (int) Math.min(WIDTH, done * WIDTH / total);
    }

    private void draw(int filled) {
        lastFilled = filled;
        out.print("\r" + render(done, total));
        out.flush();
    }
}
