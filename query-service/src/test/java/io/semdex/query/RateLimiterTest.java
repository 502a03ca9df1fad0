package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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
    void aMapFullOfActiveClientsIsSweptOncePerRefillTimeNotOnEveryRequest() {
        RateLimiter limiter = new RateLimiter(1, 2, now::get); // a bucket refills in 2 s
        for (int i = 0; i < RateLimiter.SWEEP_AT; i++) {
            limiter.acquire("client-" + i);
        }
        for (int i = 0; i < 1000; i++) {
            limiter.acquire("newcomer-" + i);
            advanceMillis(1);
        }
        assertThat(limiter.sweeps()).as("nothing can be full again within 2 s: one sweep, not one per request").isEqualTo(1);
        advanceMillis(2_000);
        limiter.acquire("later");
        assertThat(limiter.sweeps()).isEqualTo(2);
        assertThat(limiter.clients()).as("everyone was idle for 2 s: swept").isEqualTo(1);
    }

    @Test
    void beyondTheMostClientsKeptNewcomersShareOneBucket() {
        RateLimiter limiter = new RateLimiter(1, 1, now::get);
        for (int i = 0; i < RateLimiter.MAX_CLIENTS; i++) {
            limiter.acquire("client-" + i);
        }
        assertThat(limiter.acquire("newcomer-1")).isZero();
        assertThat(limiter.acquire("newcomer-2")).as("shares the overflow bucket with newcomer-1").isPositive();
        assertThat(limiter.clients()).isEqualTo(RateLimiter.MAX_CLIENTS + 1);
        assertThat(limiter.acquire("client-7")).as("a known client keeps its own bucket").isPositive();
    }

    @Test
    void behindATrustedProxyTheClientIsTheAddressTheProxyAppendedAndIpv6CountsBySlash64() {
        ClientKey direct = new ClientKey(List.of());
        assertThat(direct.of("203.0.113.9", List.of("198.51.100.1"))).as("an untrusted peer's X-Forwarded-For is ignored")
                .isEqualTo("203.0.113.9");
        assertThat(direct.of("2001:db8:1:2:aaaa::1", List.of())).isEqualTo("2001:db8:1:2::/64");
        assertThat(direct.of("2001:db8:1:2:bbbb::7", List.of())).isEqualTo("2001:db8:1:2::/64");
        assertThat(direct.of("2001:db8:1:3::1", List.of())).isEqualTo("2001:db8:1:3::/64");

        ClientKey proxied = new ClientKey(List.of("10.0.0.0/8", "192.168.1.5"));
        assertThat(proxied.of("10.1.2.3", List.of("198.51.100.1"))).isEqualTo("198.51.100.1");
        // A client that writes its own X-Forwarded-For cannot choose its key: the proxy appended the real address.
        assertThat(proxied.of("10.1.2.3", List.of("1.2.3.4, 198.51.100.1"))).isEqualTo("198.51.100.1");
        assertThat(proxied.of("10.1.2.3", List.of("1.2.3.4", "198.51.100.1, 192.168.1.5"))).as("two trusted hops").isEqualTo("198.51.100.1");
        assertThat(proxied.of("10.1.2.3", List.of())).as("no header: the proxy itself").isEqualTo("10.1.2.3");
        assertThat(proxied.of("172.16.0.1", List.of("198.51.100.1"))).as("not a trusted proxy").isEqualTo("172.16.0.1");
        assertThatThrownBy(() -> new ClientKey(List.of("proxy.internal"))).hasMessageContaining("'proxy.internal'");
    }

    @Test
    void aLimitNeedsAPositiveRateAndBurst() {
        assertThatThrownBy(() -> new RateLimiter(0, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RateLimiter(1, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
    }
}
