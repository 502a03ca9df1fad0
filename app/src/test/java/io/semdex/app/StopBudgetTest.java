package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The steps of a stop share one budget: a step that overruns takes from no one but the steps that can give. */
class StopBudgetTest {

    private final AtomicLong now = new AtomicLong(0);

    @Test
    void eachStepGetsItsLimitButNeverWhatTheStepsAfterItNeed() {
        StopBudget budget = StopBudget.start(Duration.ofSeconds(25), now::get);
        assertThat(budget.step(Duration.ofSeconds(5), Duration.ofSeconds(14))).isEqualTo(Duration.ofSeconds(5));
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(budget.step(Duration.ofSeconds(10), Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(10));
        // The savepoint hung for its whole 10 s and then some: the next step gets only what is left above the reserve.
        now.addAndGet(Duration.ofSeconds(12).toNanos());
        assertThat(budget.step(Duration.ofSeconds(5), Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(4));
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(budget.step(Duration.ofSeconds(3), Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(2));
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        assertThat(budget.remaining()).isEqualTo(Duration.ofSeconds(1));
        assertThat(budget.step(Duration.ofSeconds(3), Duration.ofSeconds(2))).isZero();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(budget.remaining()).isZero();
    }

    @Test
    void theWholeStaysUnderKubernetesDefaultGracePeriod() {
        assertThat(StopBudget.DEFAULT).isLessThan(Duration.ofSeconds(30));
    }
}
