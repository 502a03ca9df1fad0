package io.semdex.embed;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The hash model with two workers (or as many as given), holding any call with a {@code SLOW} text until a test opens the
 * gate: makes the order of events certain without timing.
 */
class GatedEmbedder extends HashEmbedder {

    private static volatile CountDownLatch gate = new CountDownLatch(1);
    private static volatile CountDownLatch slowCallStarted = new CountDownLatch(1);

    static void reset() {
        CALLS.clear();
        gate = new CountDownLatch(1);
        slowCallStarted = new CountDownLatch(1);
    }

    static void open() {
        gate.countDown();
    }

    static void awaitSlowCall() throws InterruptedException {
        if (!slowCallStarted.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("no call with a SLOW text started");
        }
    }

    private final int workers;

    GatedEmbedder() {
        this(2);
    }

    GatedEmbedder(int workers) {
        this.workers = workers;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        hold(texts);
        return super.embedDocuments(texts);
    }

    /** Waits for the gate when {@code texts} hold a {@code SLOW} one. */
    static void hold(List<String> texts) {
        if (texts.stream().anyMatch(t -> t.contains("SLOW"))) {
            slowCallStarted.countDown();
            try {
                if (!gate.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public int workers() {
        return workers;
    }
}
