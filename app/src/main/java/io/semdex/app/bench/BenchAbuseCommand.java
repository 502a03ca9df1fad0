package io.semdex.app.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code semdex bench abuse}: good and bad requests at once against a running service; prints what it answered. */
@Command(name = "abuse", mixinStandardHelpOptions = true,
        description = {"Sends good and bad requests (malformed JSON, wrong types, unknown fields, invalid UTF-8, over-size",
                "bodies, bad parameters) to /api/search and /api/documents from several clients at once, then checks",
                "that every accepted document became searchable. Exit code 1 on any 5xx, wrong answer or lost document."})
final class BenchAbuseCommand implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "The query service (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--seconds", defaultValue = "60", description = "How long to send (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--clients", defaultValue = "8", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the request mix (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--index-patience", defaultValue = "900",
            description = "Seconds to wait after the run for accepted documents to become searchable (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--api-key-env", paramLabel = "NAME", defaultValue = "SEMDEX_API_KEY",
            description = "Environment variable with the service's API key, if it has one (default: ${DEFAULT-VALUE}).")
    String apiKeyEnv;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || clients < 1) {
            throw new IllegalArgumentException("--seconds and --clients must be >= 1, got " + seconds + " and " + clients);
        }
        String key = System.getenv(apiKeyEnv);
        System.out.printf("Abusing %s for %d s with %d clients…%n", url, seconds, clients);
        AbuseRun.Report r = new AbuseRun(url, key == null || key.isEmpty() ? null : key)
                .run(Duration.ofSeconds(seconds), clients, seed, Duration.ofSeconds(patience));
        System.out.println(format(r));
        boolean ok = r.serverErrors() == 0 && r.unexpected() == 0 && r.searchable() == r.accepted() && r.found() == r.sampled();
        System.out.println(ok ? "PASS: no 5xx, every answer of the right class, every accepted document searchable"
                : "FAIL: see above");
        return ok ? 0 : 1;
    }

    static String format(AbuseRun.Report r) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("requests:      %d in %.1f s (%.0f/s)%n", r.requests(), r.seconds(), r.requests() / r.seconds()));
        out.append("by status:    ");
        for (Map.Entry<Integer, Long> e : r.byStatus().entrySet()) {
            out.append(' ').append(e.getKey() == AbuseRun.NO_ANSWER ? "no-answer" : e.getKey()).append('=').append(e.getValue());
        }
        out.append(String.format("%n5xx:           %d%n", r.serverErrors()));
        out.append(String.format("unexpected:    %d%s%n", r.unexpected(), r.unexpectedSamples().isEmpty() ? "" : " " + r.unexpectedSamples()));
        out.append(String.format("latency:       p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", r.p50Ms(), r.p99Ms(), r.maxMs()));
        out.append(String.format("service RSS:   %s before, %s after%n", mib(r.before().residentBytes()), mib(r.after().residentBytes())));
        out.append(String.format("service heap:  %s before, %s after (after the last GC: %s before, %s after)%n", mib(r.before().heapBytes()),
                mib(r.after().heapBytes()), mib(r.before().heapAfterGcBytes()), mib(r.after().heapAfterGcBytes())));
        out.append(String.format("documents:     %d accepted, %d searchable (all in the index %.0f s after the run); %d of %d sampled found"
                + " by a keyword search%n", r.accepted(), r.searchable(), r.indexedAfterSeconds(), r.found(), r.sampled()));
        return out.toString();
    }

    private static String mib(long bytes) {
        return bytes == 0 ? "n/a" : String.format("%.0f MiB", bytes / (1024.0 * 1024));
    }
}
