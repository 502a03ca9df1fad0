package io.semdex.query;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per client: {@code burst} requests at once, then {@code perSecond} on average.
 * Buckets of clients that have been idle long enough to be full again are dropped, so many
 * distinct clients do not grow the map without bound. The sweep walks the whole map, so it runs at
 * most once per refill time of a bucket (nothing can have become full sooner), not per request;
 * beyond {@link #MAX_CLIENTS} buckets, new clients share one bucket until a sweep makes room.
 */
final class RateLimiter {

    /** Buckets kept before idle ones are swept. */
    static final int SWEEP_AT = 10_000;
    /** Buckets kept at most; clients beyond share {@link #OVERFLOW}. */
    static final int MAX_CLIENTS = 100_000;
    static final String OVERFLOW = "(clients beyond " + MAX_CLIENTS + ")";

    private final double perSecond;
    private final int burst;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    /** How long an emptied bucket takes to be full again: the shortest time after which a sweep can find anything. */
    private final long sweepIntervalNanos;
    private final AtomicLong lastSweep;
    private final AtomicInteger sweeps = new AtomicInteger();

    RateLimiter(double perSecond, int burst, LongSupplier nanoClock) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs perSecond > 0 and burst >= 1, got " + perSecond + ", " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.sweepIntervalNanos = (long) Math.ceil(burst / perSecond * 1e9);
        this.lastSweep = new AtomicLong(nanoClock.getAsLong() - sweepIntervalNanos);
    }

    /** Takes a token for {@code client}; 0 when the request may go ahead, else the whole seconds to wait before retrying. */
    long acquire(String client) {
        long now = nanoClock.getAsLong();
        long last = lastSweep.get();
        if (buckets.size() >= SWEEP_AT && now - last >= sweepIntervalNanos && lastSweep.compareAndSet(last, now)) {
            sweep(now);
        }
        Bucket bucket = buckets.get(client);
        if (bucket == null) {
            String key = buckets.size() >= MAX_CLIENTS ? OVERFLOW : client;
            bucket = buckets.computeIfAbsent(key, c -> new Bucket(burst, now));
        }
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

    /** Sweeps of the whole map so far. */
    int sweeps() {
        return sweeps.get();
    }

    private void sweep(long now) {
        sweeps.incrementAndGet();
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
