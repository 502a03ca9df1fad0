package io.semdex.query;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client: {@code burst} requests at once, then {@code perSecond} on average.
 * Buckets of clients that have been idle long enough to be full again are dropped, so many
 * distinct clients do not grow the map without bound.
 */
final class RateLimiter {

    /** Buckets kept before idle ones are swept. */
    static final int SWEEP_AT = 10_000;

    private final double perSecond;
    private final int burst;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(double perSecond, int burst, LongSupplier nanoClock) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs perSecond > 0 and burst >= 1, got " + perSecond + ", " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
    }

    /** Takes a token for {@code client}; 0 when the request may go ahead, else the whole seconds to wait before retrying. */
    long acquire(String client) {
        long now = nanoClock.getAsLong();
        if (buckets.size() >= SWEEP_AT) {
            sweep(now);
        }
        Bucket bucket = buckets.computeIfAbsent(client, c -> new Bucket(burst, now));
        synchronized (bucket) {
            bucket.refill(now, perSecond, burst);
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            double wait = (1 - bucket.tokens) / perSecond;
            return Math.max(1, (long) Math.ceil(wait));
        }
    }

    int clients() {
        return buckets.size();
    }

    private void sweep(long now) {
        buckets.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                e.getValue().refill(now, perSecond, burst);
                return e.getValue().tokens >= burst;
            }
        });
    }

    private static final class Bucket {
        double tokens;
        long updated;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        void refill(long now, double perSecond, int burst) {
            if (now > updated) {
                tokens = Math.min(burst, tokens + (now - updated) / 1e9 * perSecond);
                updated = now;
            }
        }
    }
}
