package io.semdex.app;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT (Ctrl-C) and SIGTERM for a long-running command: the first one asks the command's own
 * thread to stop in order (refuse writes, finish searches, checkpoint, close), so the process
 * exits with the command's status, 0 for a clean stop; a second one ends the process at once.
 * A signal the process was started to ignore (SIGINT of a background job) stays ignored.
 *
 * <pre>{@code
 * StopSignal stop = StopSignal.install();
 * stop.await();      // blocks until SIGINT or SIGTERM
 * stack.close();     // a second signal meanwhile halts the JVM
 * }</pre>
 */
final class StopSignal {

    private static final List<String> SIGNALS = List.of("INT", "TERM");

    /** After the first signal, the process ends by this time whatever hangs: the budget and a moment to exit, under 30 s. */
    static final Duration HARD_LIMIT = StopBudget.DEFAULT.plusSeconds(4);

    private final CountDownLatch received = new CountDownLatch(1);
    private final AtomicReference<String> first = new AtomicReference<>();
    private volatile long receivedAt;

    private StopSignal() {}

    /** Takes over SIGINT and SIGTERM from the JVM's default handler (which would run shutdown hooks and exit 130/143). */
    static StopSignal install() {
        StopSignal stop = new StopSignal();
        for (String name : SIGNALS) {
            Signal signal = new Signal(name);
            SignalHandler previous = Signal.handle(signal, stop::onSignal);
            if (previous == SignalHandler.SIG_IGN) {
                Signal.handle(signal, SignalHandler.SIG_IGN);
            }
        }
        return stop;
    }

    private void onSignal(Signal signal) {
        if (first.compareAndSet(null, "SIG" + signal.getName())) {
            receivedAt = System.nanoTime();
            System.err.println("\nsemdex: SIG" + signal.getName() + " received, stopping (send it again to exit at once)");
            startWatchdog(128 + signal.getNumber());
            received.countDown();
        } else {
            System.err.println("semdex: SIG" + signal.getName() + " again: exiting now, without finishing the stop");
            System.err.flush();
            Runtime.getRuntime().halt(128 + signal.getNumber());
        }
    }

    /**
     * The last guarantee of a bounded stop: should a step hang past every deadline of the budget, the
     * process ends {@link #HARD_LIMIT} after the signal, saying so.
     */
    private static void startWatchdog(int exitCode) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(HARD_LIMIT.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("semdex: the stop did not finish within " + HARD_LIMIT.toSeconds() + " s: exiting now");
            System.err.flush();
            Runtime.getRuntime().halt(exitCode);
        }, "semdex-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** The stop's budget, started at the first signal ({@link StopBudget#DEFAULT}); started now before any signal. */
    StopBudget budget() {
        long at = receivedAt;
        long elapsed = at == 0 ? 0 : System.nanoTime() - at;
        return StopBudget.start(StopBudget.DEFAULT.minusNanos(Math.min(elapsed, StopBudget.DEFAULT.toNanos())));
    }

    /** Blocks until the first signal. */
    void await() throws InterruptedException {
        received.await();
    }

    /** Waits up to {@code timeout} for the first signal; true when one came. */
    boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return received.await(timeout, unit);
    }

    /** {@code SIGINT} or {@code SIGTERM}, or null before any. */
    String received() {
        return first.get();
    }
}
