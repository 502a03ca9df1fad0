package io.semdex.app;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The time one stop may take, shared by its steps so that their deadlines add up to the whole and
 * never more: each step gets at most its own limit and never what the steps after it need. The
 * whole is {@link #DEFAULT} (25 s), under Kubernetes' default grace period of 30 s, with room for
 * the JVM to exit.
 *
 * <pre>{@code
 * StopBudget budget = StopBudget.start(StopBudget.DEFAULT);
 * Duration catchUp = budget.step(Duration.ofSeconds(5), Duration.ofSeconds(14));  // keeps 14 s for what follows
 * }</pre>
 */
final class StopBudget {

    /** The whole of a stop: signal to exit. */
    static final Duration DEFAULT = Duration.ofSeconds(25);

    private final long deadline;
    private final LongSupplier nanoClock;

    private StopBudget(long deadline, LongSupplier nanoClock) {
        this.deadline = deadline;
        this.nanoClock = nanoClock;
    }

    static StopBudget start(Duration whole) {
        return start(whole, System::nanoTime);
    }

    static StopBudget start(Duration whole, LongSupplier nanoClock) {
        return new StopBudget(nanoClock.getAsLong() + whole.toNanos(), nanoClock);
    }

    /** What is left of the whole; zero once it is spent. */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadline - nanoClock.getAsLong()));
    }

    /**
     * The time a step may take now: at most {@code limit}, and no more than leaves {@code keep} for
     * the steps after it; zero when nothing is left for it.
     */
    Duration step(Duration limit, Duration keep) {
        Duration available = remaining().minus(keep);
        if (available.isNegative()) {
            return Duration.ZERO;
        }
        return available.compareTo(limit) < 0 ? available : limit;
    }
}
