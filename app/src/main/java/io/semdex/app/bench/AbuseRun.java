package io.semdex.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import io.semdex.core.Percentiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Good and bad requests against a running query service from several clients at once: searches
 * and document posts that must succeed, mixed with malformed JSON, wrong types, unknown fields,
 * invalid UTF-8, over-size bodies and bad parameters that must be refused with a 4xx. Afterwards
 * it checks that every document the service accepted became searchable. {@code semdex bench abuse}
 * runs it and {@code AbuseIT} asserts on its {@link Report}.
 */
final class AbuseRun {

    /** Status recorded when no HTTP answer came back (connection reset, timeout). */
    static final int NO_ANSWER = -1;
    /** How much of an unexpected answer's body its sample quotes. */
    private static final int SAMPLE_BODY_CHARS = 300;

    private static final List<String> WORDS = List.of("harbor", "violet", "quartz", "meadow", "engine", "copper", "lantern", "orbit",
            "saddle", "thistle", "glacier", "pepper", "canyon", "marble", "falcon", "ribbon", "tundra", "walnut", "cobalt", "ember",
            "juniper", "kettle", "mosaic", "nectar", "pylon", "quiver", "raven", "summit", "tangle", "umber");
    private static final List<String> QUERIES = List.of("哪种水果维生素C多", "when does the office close", "how do I reset my password",
            "copper lantern", "glacier meadow harbor", "快递多久能到", "refund policy", "a");

    /**
     * What the run saw.
     *
     * @param byStatus answers per HTTP status ({@value #NO_ANSWER}: none)
     * @param unexpected answers of the wrong class: a good request not 2xx, a bad one not 4xx
     * @param accepted document ids the service answered 202 for
     * @param searchable of those, the ids the index holds after the run
     * @param sampled accepted documents looked up by a keyword search for their unique word; {@code found} of them came back
     */
    record Report(long requests, Map<Integer, Long> byStatus, long unexpected, List<String> unexpectedSamples, double p50Ms, double p99Ms,
            double maxMs, Memory before, Memory after, int accepted, int searchable, int sampled, int found, double seconds,
            double indexedAfterSeconds) {

        long serverErrors() {
            return byStatus.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
        }
    }

    /** The service's memory from its {@code /metrics}: resident, heap in use, heap left after the last collections; 0 where it does not say. */
    record Memory(long residentBytes, long heapBytes, long heapAfterGcBytes) {}

    private final URI base;
    private final String apiKey;
    private final HttpClient http;
    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
    private final AtomicLong docCounter = new AtomicLong();
    private final Map<String, String> accepted = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
    private final AtomicLong unexpected = new AtomicLong();
    private final List<String> unexpectedSamples = Collections.synchronizedList(new ArrayList<>());
    private final List<long[]> latencies = Collections.synchronizedList(new ArrayList<>());

    /** @param apiKey sent with every request; null for none */
    AbuseRun(URI base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    Report run(Duration duration, int clients, long seed, Duration indexPatience) throws Exception {
        Memory before = memory();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Random random = new Random(seed + c);
            workers.add(pool.submit(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < deadline) {
                    long t = System.nanoTime();
                    step(random);
                    if (n == mine.length) {
                        mine = java.util.Arrays.copyOf(mine, n * 2);
                    }
                    mine[n++] = System.nanoTime() - t;
                }
                latencies.add(java.util.Arrays.copyOf(mine, n));
                return null;
            }));
        }
        for (Future<?> w : workers) {
            w.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        Memory after = memory();

        List<String> ids = new ArrayList<>(accepted.keySet());
        long waitStart = System.nanoTime();
        int searchable = awaitIndexed(ids, indexPatience);
        double indexedAfter = (System.nanoTime() - waitStart) / 1e9;
        Collections.shuffle(ids, new Random(seed));
        List<String> sample = ids.subList(0, Math.min(50, ids.size()));
        int found = 0;
        for (String id : sample) {
            found += foundBySearch(id, accepted.get(id)) ? 1 : 0;
        }

        Percentiles nanos = Percentiles.of(latencies.stream().flatMapToLong(java.util.Arrays::stream).toArray());
        Map<Integer, Long> statuses = new TreeMap<>();
        byStatus.forEach((k, v) -> statuses.put(k, v.get()));
        return new Report(nanos.count(), statuses, unexpected.get(), List.copyOf(unexpectedSamples), nanos.at(50) / 1e6,
                nanos.at(99) / 1e6, nanos.max() / 1e6, before, after, ids.size(), searchable, sample.size(), found, seconds,
                indexedAfter);
    }

    /** One request, picked at random: about half good, half bad. */
    private void step(Random r) {
        int pick = r.nextInt(100);
        try {
            if (pick < 25) {
                goodSearchGet(r);
            } else if (pick < 35) {
                goodSearchPost(r);
            } else if (pick < 50) {
                goodDocuments(r);
            } else if (pick < 70) {
                badSearch(r);
            } else if (pick < 97) {
                badDocuments(r);
            } else if (pick < 99) {
                badRaw(r);
            } else {
                hugeBody();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void goodSearchGet(Random r) throws InterruptedException {
        String q = QUERIES.get(r.nextInt(QUERIES.size()));
        String mode = List.of("vector", "keyword", "hybrid").get(r.nextInt(3));
        String path = "/api/search?q=" + enc(q) + "&mode=" + mode + "&k=" + (1 + r.nextInt(100))
                + (r.nextBoolean() ? "&threshold=" + r.nextInt(11) / 10.0 : "&threshold_scale=cosine&threshold=" + (r.nextInt(19) - 9) / 10.0);
        expect(true, "search GET", () -> get(path));
    }

    private void goodSearchPost(Random r) throws InterruptedException {
        String body = "{\"q\": " + quote(QUERIES.get(r.nextInt(QUERIES.size()))) + ", \"k\": " + (1 + r.nextInt(20))
                + ", \"mode\": \"hybrid\", \"fusion\": \"rrf\", \"highlight\": false}";
        expect(true, "search POST", () -> post("/api/search", body.getBytes(StandardCharsets.UTF_8)));
    }

    private void goodDocuments(Random r) throws InterruptedException {
        int count = 1 + r.nextInt(3);
        Map<String, String> docs = new java.util.LinkedHashMap<>();
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            long n = docCounter.incrementAndGet();
            String id = "abuse-" + run + "-" + n;
            String token = "abz" + run + "x" + n;
            StringBuilder text = new StringBuilder("Abuse run note ").append(token).append(":");
            for (int w = 0; w < 8; w++) {
                text.append(' ').append(WORDS.get(r.nextInt(WORDS.size())));
            }
            docs.put(id, token);
            json.append(i == 0 ? "" : ",").append("{\"id\": ").append(quote(id)).append(", \"body\": ").append(quote(text + "."))
                    .append(", \"format\": \"text\", \"source\": \"abuse\"}");
        }
        json.append(']');
        int status = expect(true, "documents POST", () -> post("/api/documents", json.toString().getBytes(StandardCharsets.UTF_8)));
        if (status == 202) {
            accepted.putAll(docs);
        }
    }

    private void badSearch(Random r) throws InterruptedException {
        String q = enc(QUERIES.get(r.nextInt(QUERIES.size())));
        switch (r.nextInt(17)) {
            case 0 -> expect(false, "k=0", () -> get("/api/search?q=" + q + "&k=0"));
            case 1 -> expect(false, "k=101", () -> get("/api/search?q=" + q + "&k=101"));
            case 2 -> expect(false, "k=abc", () -> get("/api/search?q=" + q + "&k=abc"));
            case 3 -> expect(false, "threshold=2", () -> get("/api/search?q=" + q + "&threshold=2"));
            case 4 -> expect(false, "threshold=NaN", () -> get("/api/search?q=" + q + "&threshold=NaN"));
            case 15 -> expect(false, "calibrated threshold=-0.5", () -> get("/api/search?q=" + q + "&threshold=-0.5"));
            case 5 -> expect(false, "mode=fuzzy", () -> get("/api/search?q=" + q + "&mode=fuzzy"));
            case 6 -> expect(false, "empty q", () -> get("/api/search?q=&k=3"));
            case 7 -> expect(false, "long q", () -> get("/api/search?q=" + "x".repeat(2001)));
            case 8 -> expect(false, "unknown param", () -> get("/api/search?q=" + q + "&color=red"));
            case 9 -> expect(false, "offset=-1", () -> get("/api/search?q=" + q + "&offset=-1"));
            case 10 -> expect(false, "bad filter", () -> get("/api/search?q=" + q + "&filter=" + enc("price:[10 TO")));
            case 11 -> expect(false, "invalid UTF-8 in q", () -> get("/api/search?q=%FF%FE%C3"));
            case 12 -> expect(false, "q object", () -> post("/api/search", "{\"q\": {\"x\": 1}}".getBytes(StandardCharsets.UTF_8)));
            case 13 -> expect(false, "k string", () -> post("/api/search", "{\"q\": \"a\", \"k\": \"ten\"}".getBytes(StandardCharsets.UTF_8)));
            case 14 -> expect(false, "search malformed JSON", () -> post("/api/search", "{\"q\": \"a\",".getBytes(StandardCharsets.UTF_8)));
            default -> expect(false, "DELETE", () -> send(HttpRequest.newBuilder(base.resolve("/api/search?q=a")).DELETE()));
        }
    }

    private void badDocuments(Random r) throws InterruptedException {
        switch (r.nextInt(10)) {
            case 0 -> expect(false, "malformed JSON", () -> post("/api/documents", "{\"id\": \"x\", \"body\": ".getBytes(StandardCharsets.UTF_8)));
            case 1 -> expect(false, "wrong types", () -> post("/api/documents", "{\"id\": 5, \"body\": [\"a\"]}".getBytes(StandardCharsets.UTF_8)));
            case 2 -> expect(false, "unknown field", () -> post("/api/documents",
                    "{\"id\": \"u1\", \"body\": \"text\", \"colour\": \"red\"}".getBytes(StandardCharsets.UTF_8)));
            case 3 -> {
                byte[] head = "{\"id\": \"bad-utf8\", \"body\": \"caf".getBytes(StandardCharsets.US_ASCII);
                byte[] body = java.util.Arrays.copyOf(head, head.length + 4);
                body[head.length] = (byte) 0xC3; // a lead byte followed by '(' is not UTF-8
                body[head.length + 1] = '(';
                body[head.length + 2] = '"';
                body[head.length + 3] = '}';
                expect(false, "invalid UTF-8", () -> post("/api/documents", body));
            }
            case 4 -> expect(false, "empty body", () -> post("/api/documents", new byte[0]));
            case 5 -> expect(false, "array of numbers", () -> post("/api/documents", "[1, 2, 3]".getBytes(StandardCharsets.UTF_8)));
            case 6 -> expect(false, "no text", () -> post("/api/documents", "{\"id\": \"empty\", \"body\": \"\"}".getBytes(StandardCharsets.UTF_8)));
            case 7 -> expect(false, "deep nesting", () -> post("/api/documents",
                    ("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8)));
            case 8 -> expect(false, "bad format", () -> post("/api/documents",
                    "{\"id\": \"f1\", \"body\": \"x\", \"format\": \"pdf\"}".getBytes(StandardCharsets.UTF_8)));
            default -> expect(false, "too many documents", () -> post("/api/documents",
                    ("[" + String.join(",", Collections.nCopies(1001, "{\"id\":\"m\",\"body\":\"m\"}")) + "]").getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Requests a well-behaved client library would not send: a bad percent escape, a broken request line. */
    private void badRaw(Random r) throws InterruptedException {
        String line = r.nextBoolean() ? "GET /api/search?q=%zz HTTP/1.1" : "GET /api/search?q=a b HTTP/1.1";
        expect(false, "raw " + line, () -> raw(line));
    }

    private void hugeBody() throws InterruptedException {
        byte[] body = new byte[9 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) 'a');
        body[0] = '"';
        body[body.length - 1] = '"';
        expect(false, "9 MiB body", () -> post("/api/documents", body));
    }

    /** A request's answer: its status and the start of its body, which a sample of an unexpected answer quotes. */
    private record Answer(int status, String body) {}

    private interface Call {
        Answer answer() throws IOException, InterruptedException;
    }

    /** Sends, records status and class; returns the status. */
    private int expect(boolean good, String what, Call call) throws InterruptedException {
        Answer answer;
        try {
            answer = call.answer();
        } catch (IOException e) {
            answer = new Answer(NO_ANSWER, e.toString());
        }
        int status = answer.status();
        byStatus.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
        boolean ok = good ? status >= 200 && status < 300 : status >= 400 && status < 500;
        if (!ok) {
            unexpected.incrementAndGet();
            if (unexpectedSamples.size() < 20) {
                String body = answer.body().length() > SAMPLE_BODY_CHARS ? answer.body().substring(0, SAMPLE_BODY_CHARS) + "…" : answer.body();
                unexpectedSamples.add(what + " -> " + status + " " + body);
            }
        }
        return status;
    }

    private Answer get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    private Answer post(String path, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    private String getJson(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60)).GET();
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private Answer raw(String requestLine) throws IOException {
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + "\r\nHost: " + base.getHost() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12); // "HTTP/1.1 400"
            String status = new String(head, StandardCharsets.ISO_8859_1);
            if (!status.startsWith("HTTP/1.1 ")) {
                throw new IOException("no HTTP answer: " + status);
            }
            return new Answer(Integer.parseInt(status.substring(9, 12)), "");
        }
    }

    /** Waits until the index holds every id or patience runs out; returns how many it holds. */
    private int awaitIndexed(List<String> ids, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        List<String> pending = new ArrayList<>(ids);
        while (true) {
            List<String> still = new ArrayList<>();
            for (int from = 0; from < pending.size(); from += 200) {
                List<String> batch = pending.subList(from, Math.min(pending.size(), from + 200));
                StringBuilder query = new StringBuilder("/api/documents?");
                batch.forEach(id -> query.append("id=").append(enc(id)).append('&'));
                JsonNode answer = Json.MAPPER.readTree(getJson(query.toString()));
                answer.get("pending").forEach(n -> still.add(n.asText()));
            }
            pending = still;
            if (pending.isEmpty() || System.nanoTime() > deadline) {
                return ids.size() - pending.size();
            }
            Thread.sleep(500);
        }
    }

    private boolean foundBySearch(String id, String token) throws IOException, InterruptedException {
        JsonNode answer = Json.MAPPER.readTree(getJson("/api/search?mode=keyword&k=5&q=" + enc(token)));
        for (JsonNode hit : answer.get("hits")) {
            if (hit.get("docId").asText().equals(id)) {
                return true;
            }
        }
        return false;
    }

    private Memory memory() {
        try {
            String text = getJson("/metrics");
            return new Memory(metric(text, "process_resident_memory_bytes "), metric(text, "jvm_memory_used_bytes{area=\"heap\"} "),
                    metricSum(text, "jvm_memory_pool_collection_used_bytes{"));
        } catch (IOException | InterruptedException e) {
            return new Memory(0, 0, 0);
        }
    }

    private static long metric(String text, String prefix) {
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                return (long) Double.parseDouble(line.substring(prefix.length()).strip());
            }
        }
        return 0;
    }

    /** The sum of every series of one metric, such as a per-pool gauge: {@code prefix} ends with its {@code {}. */
    private static long metricSum(String text, String prefix) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).strip());
            }
        }
        return (long) sum;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        try {
            return Json.MAPPER.writeValueAsString(s);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
