package io.semdex.app.bench;

import io.semdex.app.ModelSpecConverter;
import io.semdex.app.eval.BeirDataset;
import io.semdex.app.eval.EvalCommand;
import io.semdex.app.eval.EvalIndex;
import io.semdex.app.eval.Evaluation;
import io.semdex.app.eval.VectorCache;
import io.semdex.core.IndexLayout;
import io.semdex.core.Percentiles;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Slot;
import io.semdex.query.QueryService;
import io.semdex.query.QueryServiceConfig;
import io.semdex.query.SearchMode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code semdex bench search}: latency percentiles and throughput of {@code /api/search} over HTTP,
 * per mode and number of concurrent clients, with the query embedding in the measured path and
 * without it (a warmed query-vector cache), so the model's share of the cost shows.
 */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Measures p50/p95/p99 latency and throughput of /api/search per mode at several numbers of",
                "concurrent clients, over an index of a BEIR-layout set built as `semdex eval` builds it.",
                "Each cell runs closed-loop clients (a client sends its next request when the last one answered)."})
final class SearchBench implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "esci-dev", description = "Set to index and take queries from (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = "bge-small-en-v1.5-q",
            description = "Embedding model preset (default: ${DEFAULT-VALUE}).")
    EmbedderSpec model;

    @Option(names = "--clients", split = ",", defaultValue = "1,8,32", description = "Concurrent clients per cell (default: ${DEFAULT-VALUE}).")
    int[] clients;

    @Option(names = "--modes", split = ",", defaultValue = "keyword,vector,hybrid", description = "Modes (default: ${DEFAULT-VALUE}).")
    String[] modes;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per cell (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds before each cell (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--k", defaultValue = "10", description = "Hits per search (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--embedding", split = ",", defaultValue = "with,without",
            description = "Measure with the query embedding in the path, without it (warmed query cache), or both (default: ${DEFAULT-VALUE}).")
    String[] embedding;

    @Option(names = "--query-batching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Let concurrent searches share model calls where the model allows it, as the service does"
                    + " (default: ${DEFAULT-VALUE}); --no-query-batching embeds every query in a call of its own.")
    boolean queryBatching;

    @Option(names = "--work", paramLabel = "DIR",
            description = "Where `semdex eval` keeps indexes and its embedding cache (default: semdex-eval in the system temp directory).")
    Path work;

    /** One measured cell. */
    record Cell(String mode, boolean embedding, int clients, int requests, int errors, double seconds, Percentiles nanos, long cpuNanos) {

        double qps() {
            return requests / seconds;
        }

        /**
         * CPU milliseconds this process spent per answered request while the cell was measured:
         * service and clients together, so on a shared machine it shows the work per request
         * where latencies show the machine's load too.
         */
        double cpuMillisPerRequest() {
            return requests == 0 || cpuNanos < 0 ? Double.NaN : cpuNanos / 1e6 / requests;
        }

        /** Milliseconds at {@code p} as {@link Percentiles} defines it; NaN for a cell where every request failed. */
        double percentile(double p) {
            return nanos.count() == 0 ? Double.NaN : nanos.at(p) / 1e6;
        }
    }

    @Override
    public Integer call() throws Exception {
        Path dir = EvalCommand.resolve(dataset);
        BeirDataset data = BeirDataset.load(dir, dir);
        List<String> queries = data.queries().values().stream().map(Evaluation::clip).toList();
        Path root = index(data, dir);
        System.out.printf("semdex bench search: %s, %d queries, model %s, query batching %s, %d CPU cores, load average %s%n",
                data.name(), queries.size(), model, queryBatching ? "on" : "off", Runtime.getRuntime().availableProcessors(), loadAverage());

        List<Cell> cells = new ArrayList<>();
        for (String with : embedding) {
            boolean embed = switch (with) {
                case "with" -> true;
                case "without" -> false;
                default -> throw new IllegalArgumentException("--embedding takes 'with' and/or 'without', got '" + with + "'");
            };
            // A query cache of 0 embeds every query; a warmed cache takes the model out of the path.
            QueryServiceConfig config = new QueryServiceConfig("127.0.0.1", 0, root, model, null, null, 1000, embed ? 0 : 4096)
                    .withBatchQueries(queryBatching);
            try (QueryService service = QueryService.start(config)) {
                String base = "http://127.0.0.1:" + service.address().getPort() + "/api/search?k=" + k + "&q=";
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
                if (!embed) {
                    for (String q : queries) {
                        send(http, base + enc(q) + "&mode=vector");
                    }
                }
                for (String mode : modes) {
                    SearchMode.parse(mode);
                    if (!embed && mode.equals("keyword") && Arrays.asList(embedding).contains("with")) {
                        continue; // keyword search embeds nothing: measured once
                    }
                    for (int n : clients) {
                        Cell cell = run(http, base, mode, queries, n, embed && !mode.equals("keyword"));
                        cells.add(cell);
                        System.out.println(row(cell));
                    }
                }
            }
        }
        System.out.println();
        System.out.println(table(cells));
        System.out.println("load average at the end: " + loadAverage());
        return 0;
    }

    private Path index(BeirDataset data, Path dir) throws IOException {
        String analyzer = TextAnalysis.forLanguage(data.language());
        Path workDir = work != null ? work : Path.of(System.getProperty("java.io.tmpdir"), "semdex-eval");
        Path root = workDir.resolve("index").resolve(dir.getFileName() + "-" + model.preset().id() + "-" + analyzer);
        if (new IndexLayout(root).current().isPresent()) {
            System.out.println("Using the index at " + root + " (built by `semdex eval`)");
            return root;
        }
        try (Embedder embedder = model.open(Slot.SINGLE);
                VectorCache cache = EvalIndex.vectorCache(workDir, model, embedder)) {
            List<List<Unit>> units = EvalIndex.split(data.corpus(), model);
            EvalIndex.embed(units, embedder, cache);
            EvalIndex.write(root, data.corpus(), units, cache, embedder.info().modelId(), embedder.info().dimensions(), analyzer,
                    dir.toString(), model.calibration().orElse(null), null);
        }
        return root;
    }

    private Cell run(HttpClient http, String base, String mode, List<String> queries, int clients, boolean embedding)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long warmupEnd = System.nanoTime() + warmup * 1_000_000_000L;
        long end = warmupEnd + seconds * 1_000_000_000L;
        List<long[]> perClient = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long[][] holder = {new long[1024]};
            int[] count = {0};
            Thread t = Thread.ofPlatform().name("bench-client-" + c).start(() -> {
                while (true) {
                    long start = System.nanoTime();
                    if (start >= end) {
                        break;
                    }
                    String q = queries.get(Math.floorMod(next.getAndIncrement(), queries.size()));
                    boolean ok = send(http, base + enc(q) + "&mode=" + mode);
                    long took = System.nanoTime() - start;
                    if (start < warmupEnd) {
                        continue;
                    }
                    if (!ok) {
                        errors.incrementAndGet();
                        continue;
                    }
                    if (count[0] == holder[0].length) {
                        holder[0] = Arrays.copyOf(holder[0], count[0] * 2);
                    }
                    holder[0][count[0]++] = took;
                }
                synchronized (perClient) {
                    perClient.add(Arrays.copyOf(holder[0], count[0]));
                }
            });
            threads.add(t);
        }
        long untilMeasured = warmupEnd - System.nanoTime();
        if (untilMeasured > 0) {
            Thread.sleep(untilMeasured / 1_000_000, (int) (untilMeasured % 1_000_000));
        }
        long cpuStart = processCpuNanos();
        for (Thread t : threads) {
            t.join();
        }
        long cpuEnd = processCpuNanos();
        Percentiles nanos = Percentiles.of(perClient.stream().flatMapToLong(Arrays::stream).toArray());
        return new Cell(mode, embedding, clients, (int) nanos.count(), errors.get(), seconds, nanos,
                cpuStart < 0 || cpuEnd < 0 ? -1 : cpuEnd - cpuStart);
    }

    /** CPU time of this process so far, or -1 where the JVM does not tell. */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }

    private static boolean send(HttpClient http, String url) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String row(Cell c) {
        return String.format(Locale.ROOT, "| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f |%s", c.mode(),
                c.mode().equals("keyword") ? "none needed" : c.embedding() ? "included" : "cached", c.clients(), c.requests(), c.qps(),
                c.percentile(50), c.percentile(95), c.percentile(99), c.cpuMillisPerRequest(),
                c.errors() > 0 ? " " + c.errors() + " errors" : "");
    }

    static String table(List<Cell> cells) {
        StringBuilder out = new StringBuilder(
                "| mode | query embedding | clients | requests | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            out.append(row(c)).append('\n');
        }
        return out.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip().split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
