package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private void advanceMillis(long ms) {
        now.addAndGet(ms * 1_000_000L);
    }

    @Test
    void aBurstPassesThenTheClientWaitsForTheRate() {
        RateLimiter limiter = new RateLimiter(2, 4, now::get);
        for (int i = 0; i < 4; i++) {
            assertThat(limiter.acquire("10.0.0.1")).as("request %d of the burst", i).isZero();
        }
        assertThat(limiter.acquire("10.0.0.1")).isEqualTo(1); // one token takes 0.5 s: retry after 1 s
        advanceMillis(499);
        assertThat(limiter.acquire("10.0.0.1")).isPositive();
        advanceMillis(2);
        assertThat(limiter.acquire("10.0.0.1")).isZero();
        assertThat(limiter.acquire("10.0.0.1")).isPositive();
    }

    @Test
    void clientsHaveTheirOwnBuckets() {
        RateLimiter limiter = new RateLimiter(1, 1, now::get);
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isPositive();
        assertThat(limiter.acquire("b")).isZero();
    }

    @Test
    void retryAfterSaysHowLongTheNextTokenTakes() {
        RateLimiter limiter = new RateLimiter(0.1, 1, now::get); // one request per 10 s
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isEqualTo(10);
        advanceMillis(4_000);
        assertThat(limiter.acquire("a")).isEqualTo(6);
    }

    @Test
    void tokensNeverPileUpBeyondTheBurst() {
        RateLimiter limiter = new RateLimiter(10, 3, now::get);
        advanceMillis(60_000);
        int passed = 0;
        while (limiter.acquire("a") == 0) {
            passed++;
        }
        assertThat(passed).isEqualTo(3);
    }

    @Test
    void overAnyStretchOfTimeAClientGetsAtMostBurstPlusRateTimesSeconds() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            double rate = 0.5 + random.nextInt(50);
            int burst = 1 + random.nextInt(20);
            RateLimiter limiter = new RateLimiter(rate, burst, now::get);
            long start = now.get();
            int passed = 0;
            for (int i = 0; i < 2000; i++) {
                advanceMillis(random.nextInt(20));
                if (limiter.acquire("c") == 0) {
                    passed++;
                }
            }
            double seconds = (now.get() - start) / 1e9;
            assertThat(passed).as("rate %s burst %d over %.1f s", rate, burst, seconds).isLessThanOrEqualTo((int) (burst + rate * seconds) + 1);
        }
    }

    @Test
    void idleClientsAreForgotten() {
        RateLimiter limiter = new RateLimiter(100, 1, now::get);
        for (int i = 0; i < RateLimiter.SWEEP_AT; i++) {
            limiter.acquire("client-" + i);
        }
        advanceMillis(1000); // every bucket is full again
        limiter.acquire("one-more");
        assertThat(limiter.clients()).isEqualTo(1);
    }

    @Test
    void aLimitNeedsAPositiveRateAndBurst() {
        assertThatThrownBy(() -> new RateLimiter(0, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(1, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
    }
}
