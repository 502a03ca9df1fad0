package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.semdex.core.Generation;
import io.semdex.core.IndexFields;
import io.semdex.core.IndexLayout;
import io.semdex.core.Json;
import io.semdex.core.Manifest;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Qwen3Fixture;
import io.semdex.embed.Slot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Qwen3 model family through the whole job (Kafka, Flink MiniCluster, Lucene, query service),
 * on the weight-free Qwen3-shaped fixture model with the real Qwen3 tokenizer, with the model specs
 * of the README's "Models" section, read from README.md so the two cannot drift:
 *
 * <ul>
 *   <li>the {@code dir=…&dimensions=256} line runs as written, the directory replaced by the
 *       fixture's: stack A, in-process ONNX;
 *   <li>the {@code url=} line runs against a second semdex (stack A's {@code /v1/embeddings}),
 *       through a proxy that fails on demand: stack B. {@code remote-model} becomes the name A
 *       serves, and {@code dimensions=256}, {@code timeout=} and {@code retries=} are added (A
 *       serves 256 dimensions; the failures must be retried quickly);
 *   <li>the {@code device=cuda} line cannot run on a machine without a GPU: it is parsed and
 *       validated (model, file, engine, device), and opening it here must fail, saying why.
 * </ul>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Qwen3EndToEndIT {

    private static final Path README = Path.of("..", "README.md");
    private static final String README_DIR = "/models/Qwen3-Embedding-0.6B";
    private static final List<String> TEXTS = List.of(
            "Oranges and kiwis are rich in vitamin C.",
            "The container ship left Rotterdam for Shanghai on Monday.",
            "Kafka keeps records in partitions, ordered by offset.",
            "Lucene stores vectors in an HNSW graph for nearest-neighbour search.",
            "A warm bath before bed helps many people fall asleep.",
            "The museum opens at nine and closes at five on weekdays.",
            "Rust's borrow checker rejects two mutable references at once.",
            "Qwen3 embeddings pool the hidden state of the last token.");

    @TempDir
    static Path temp;

    static Path fixture;
    static String inProcessSpec;
    static String remoteSpec;
    static EmbeddedStack a;
    static EmbeddedStack b;
    static FailingProxy proxy;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startBothStacks() throws Exception {
        fixture = Qwen3Fixture.directory();
        List<String> specs = readmeQwen3Specs();
        inProcessSpec = specs.stream().filter(s -> s.contains("dimensions=256")).findFirst().orElseThrow()
                .replace(README_DIR, fixture.toString());
        a = EmbeddedStack.start(new EmbeddedStack.Options(temp.resolve("a"), "127.0.0.1", 0, EmbedderSpec.parse(inProcessSpec), 1, Duration.ofMillis(500)));
        proxy = FailingProxy.start(a.url());
        String readmeRemote = specs.stream().filter(s -> s.contains("url=")).findFirst().orElseThrow();
        remoteSpec = readmeRemote.replace("http://gpu-host:8000/v1", proxy.url() + "/v1")
                .replace("remote-model=Qwen/Qwen3-Embedding-0.6B", "remote-model=qwen3-embedding-0.6b")
                + "&dimensions=256&timeout=5s&retries=8";
        b = EmbeddedStack.start(new EmbeddedStack.Options(temp.resolve("b"), "127.0.0.1", 0, EmbedderSpec.parse(remoteSpec), 1, Duration.ofMillis(500)));
        try (StackTopic pa = new StackTopic(a); StackTopic pb = new StackTopic(b)) {
            for (int i = 0; i < TEXTS.size(); i++) {
                pa.send("doc-" + i, TEXTS.get(i));
                pb.send("doc-" + i, TEXTS.get(i));
            }
        }
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (a != null) {
            a.close();
        }
    }

    /** The Qwen3 {@code --model} specs of the README's demo commands, in order. */
    static List<String> readmeQwen3Specs() throws IOException {
        String readme = Files.readString(README);
        Matcher m = Pattern.compile("(?m)^\\./semdex demo --model '(qwen3-[^']+)'$").matcher(readme);
        List<String> specs = new ArrayList<>();
        while (m.find()) {
            specs.add(m.group(1));
        }
        assertThat(specs).as("the README's Qwen3 demo commands")
                .anyMatch(s -> s.contains("dimensions=256") && !s.contains("url="))
                .anyMatch(s -> s.contains("url="));
        return specs;
    }

    @Test
    @Order(1)
    void theFixtureRunsThroughTheWholeJobAt256DimensionsWithTheQueryInstruction() throws Exception {
        awaitIndexed(a, TEXTS.size());
        Manifest manifest = Manifest.read(live(a).manifestFile());
        assertThat(manifest.modelId()).isEqualTo("qwen3-embedding-0.6b");
        assertThat(manifest.dimensions()).isEqualTo(256);
        assertThat(manifest.modelSpec()).isEqualTo(inProcessSpec);
        JsonNode status = get(a.url() + "/api/status");
        assertThat(status.get("model").asText()).isEqualTo("qwen3-embedding-0.6b");
        assertThat(status.get("dimensions").asInt()).isEqualTo(256);

        // The hit's cosine is that of the query with Qwen3's instruction, not of the bare query.
        String query = "which fruit has vitamin C";
        JsonNode response = get(a.url() + "/api/search?mode=vector&threshold_scale=cosine&threshold=-1&k=3&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        assertThat(response.get("model").asText()).isEqualTo("qwen3-embedding-0.6b");
        JsonNode hit = response.get("hits").get(0);
        try (Embedder embedder = EmbedderSpec.parse(inProcessSpec).open(Slot.SINGLE)) {
            String title = hit.path("title").isTextual() ? hit.get("title").asText() : null;
            String text = hit.get("text").asText();
            String input = title != null && !title.isBlank() && !text.startsWith(title) ? title.strip() + "\n" + text : text;
            float[] unit = embedder.embedDocuments(List.of(input)).get(0);
            double instructed = VectorUtil.dotProduct(embedder.embedQueries(List.of(query)).get(0), unit);
            double bare = VectorUtil.dotProduct(embedder.embedTexts(List.of(query)).get(0), unit);
            assertThat(hit.get("cosine").asDouble()).isCloseTo(instructed, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(Math.abs(instructed - bare)).as("the instruction changes the query vector").isGreaterThan(1e-3);
        }
    }

    @Test
    @Order(2)
    void aRemoteSpecOnASecondSemdexStoresTheVectorsTheInProcessModelStores() throws Exception {
        awaitIndexed(a, TEXTS.size());
        awaitIndexed(b, TEXTS.size());
        Manifest manifest = Manifest.read(live(b).manifestFile());
        assertThat(manifest.modelId()).isEqualTo("qwen3-embedding-0.6b");
        assertThat(manifest.dimensions()).isEqualTo(256);
        assertThat(manifest.modelSpec()).isEqualTo(remoteSpec);
        Map<String, float[]> inProcess = storedVectors(a);
        Map<String, float[]> remote = storedVectors(b);
        assertThat(remote.keySet()).isEqualTo(inProcess.keySet()).hasSizeGreaterThanOrEqualTo(TEXTS.size());
        double lowest = 1;
        for (var unit : inProcess.entrySet()) {
            lowest = Math.min(lowest, VectorUtil.dotProduct(unit.getValue(), remote.get(unit.getKey())));
        }
        System.out.printf("QWEN3 REMOTE: %d units, lowest cosine between remote and in-process stored vectors %.7f%n", remote.size(), lowest);
        assertThat(lowest).isGreaterThan(0.9999);

        // Queries too: B embeds them remotely (instruction added by B's client), A in process.
        String q = "ship from Rotterdam";
        JsonNode fromA = get(a.url() + "/api/search?mode=vector&threshold_scale=cosine&threshold=-1&k=3&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
        JsonNode fromB = get(b.url() + "/api/search?mode=vector&threshold_scale=cosine&threshold=-1&k=3&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) {
            assertThat(fromB.get("hits").get(i).get("unitId").asText()).isEqualTo(fromA.get("hits").get(i).get("unitId").asText());
            assertThat(fromB.get("hits").get(i).get("cosine").asDouble())
                    .isCloseTo(fromA.get("hits").get(i).get("cosine").asDouble(), org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    @Order(3)
    void whileTheRemoteServerFailsTheJobRetriesAndCatchesUpWithNothingLostOrDeadLettered() throws Exception {
        awaitIndexed(b, TEXTS.size());
        // Answers 503 four times, then hangs past the client's 5 s timeout twice, then passes again.
        proxy.failNext(4, 2);
        List<String> late = new ArrayList<>();
        try (StackTopic pb = new StackTopic(b)) {
            for (int i = 0; i < 6; i++) {
                String id = "late-" + i;
                late.add(id);
                pb.send(id, "Late note " + i + ": " + TEXTS.get(i));
            }
        }
        awaitIndexed(b, late);
        System.out.printf("QWEN3 REMOTE FAULTS: proxy answered %d x 503, hung %d requests past the timeout, passed %d%n",
                proxy.errors.get(), proxy.hangs.get(), proxy.passed.get());
        assertThat(proxy.errors.get()).isEqualTo(4);
        assertThat(proxy.hangs.get()).isEqualTo(2);
        assertThat(deadLetters(b)).as("dead letters of B").isZero();
        JsonNode found = get(b.url() + "/api/search?mode=keyword&k=1&q=" + URLEncoder.encode("Late note 3", StandardCharsets.UTF_8));
        assertThat(found.get("hits").get(0).get("docId").asText()).isEqualTo("late-3");
    }

    @Test
    @Order(4)
    void theReadmesCudaLineIsAValidSpecThatFailsToOpenWithoutAGpu() throws Exception {
        String cuda = readmeQwen3Specs().stream().filter(s -> s.contains("device=cuda")).findFirst().orElseThrow()
                .replace("/models/q8", fixture.toString());
        EmbedderSpec spec = EmbedderSpec.parse(cuda);
        assertThat(spec.preset().id()).isEqualTo("qwen3-embedding-8b");
        assertThat(spec.engine()).isEqualTo("auto");
        assertThat(spec.preset().files().modelPath().getFileName().toString()).isEqualTo("model.pt");
        assertThat(spec.device().toString()).contains("cuda");
        // Where the CUDA runtime sees no GPU, opening must fail with a message, not fall back to the CPU silently.
        // (With a GPU, the fixture's 1024-wide model.pt is no 8B model anyway: only the parse above applies there.)
        if (visibleGpus() == 0) {
            assertThatThrownBy(() -> spec.open(Slot.SINGLE).close()).hasMessageContaining("sees no GPU");
        }
    }

    private static int visibleGpus() {
        try {
            return ai.djl.util.cuda.CudaUtils.getGpuCount();
        } catch (RuntimeException | LinkageError e) {
            return 0; // no CUDA runtime here
        }
    }

    private static Generation live(EmbeddedStack stack) {
        return new IndexLayout(indexRoot(stack)).current().orElseThrow();
    }

    private static Path indexRoot(EmbeddedStack stack) {
        return (stack == a ? temp.resolve("a") : temp.resolve("b")).toAbsolutePath().resolve("index");
    }

    /** Unit id → stored vector, over every shard of the stack's live generation. */
    private static Map<String, float[]> storedVectors(EmbeddedStack stack) throws IOException {
        Generation generation = live(stack);
        int shards = Manifest.read(generation.manifestFile()).shardCount();
        Map<String, float[]> vectors = new HashMap<>();
        for (int k = 0; k < shards; k++) {
            try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(generation.shardDir(k)))) {
                for (LeafReaderContext leaf : reader.leaves()) {
                    FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexFields.VECTOR);
                    KnnVectorValues.DocIndexIterator it = values.iterator();
                    for (int doc = it.nextDoc(); doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                        String unitId = leaf.reader().storedFields().document(doc).get(IndexFields.UNIT_ID);
                        vectors.put(unitId, values.vectorValue(it.index()).clone());
                    }
                }
            }
        }
        return vectors;
    }

    private static void awaitIndexed(EmbeddedStack stack, int count) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add("doc-" + i);
        }
        awaitIndexed(stack, ids);
    }

    private static void awaitIndexed(EmbeddedStack stack, List<String> ids) throws Exception {
        String url = stack.url() + "/api/documents?" + String.join("&", ids.stream().map(id -> "id=" + id).toList());
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        JsonNode body = null;
        while (System.nanoTime() < deadline) {
            body = get(url);
            if (body.path("pending").isArray() && body.get("pending").isEmpty()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not all of " + ids + " became searchable: " + body);
    }

    private static long deadLetters(EmbeddedStack stack) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "qwen3-it-dlq");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(stack.deadLetterTopic()));
            long count = 0;
            for (int i = 0; i < 5; i++) {
                count += consumer.poll(Duration.ofSeconds(1)).count();
            }
            return count;
        }
    }

    private static JsonNode get(String url) throws Exception {
        return Json.MAPPER.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }



    /**
     * An HTTP proxy in front of a semdex that, when told, answers the next embedding requests with
     * 503 and then holds the following ones past the client's timeout before passing requests on again.
     */
    static final class FailingProxy implements AutoCloseable {
        private final HttpServer server;
        private final String target;
        private final HttpClient client = HttpClient.newHttpClient();
        private final AtomicInteger errorsLeft = new AtomicInteger();
        private final AtomicInteger hangsLeft = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger hangs = new AtomicInteger();
        final AtomicInteger passed = new AtomicInteger();

        private FailingProxy(HttpServer server, String target) {
            this.server = server;
            this.target = target;
        }

        static FailingProxy start(String target) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            FailingProxy proxy = new FailingProxy(server, target);
            server.createContext("/", proxy::handle);
            server.setExecutor(Executors.newFixedThreadPool(8));
            server.start();
            return proxy;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void failNext(int errors, int hangs) {
            hangsLeft.set(hangs);
            errorsLeft.set(errors);
        }

        private void handle(HttpExchange exchange) throws IOException {
            byte[] body = exchange.getRequestBody().readAllBytes();
            boolean embedding = exchange.getRequestURI().getPath().endsWith("/embeddings");
            if (embedding && errorsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                errors.incrementAndGet();
                reply(exchange, 503, "{\"error\":{\"message\":\"injected failure\"}}");
                return;
            }
            if (embedding && hangsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                hangs.incrementAndGet();
                try {
                    Thread.sleep(7_000); // the client gave up after 5 s
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reply(exchange, 504, "{\"error\":{\"message\":\"injected timeout\"}}");
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
                    .header("Content-Type", "application/json");
            forward = exchange.getRequestMethod().equals("POST")
                    ? forward.POST(HttpRequest.BodyPublishers.ofByteArray(body)) : forward.GET();
            try {
                HttpResponse<String> response = client.send(forward.build(), HttpResponse.BodyHandlers.ofString());
                passed.incrementAndGet();
                reply(exchange, response.statusCode(), response.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reply(exchange, 502, "{}");
            }
        }

        private static void reply(HttpExchange exchange, int status, String body) throws IOException {
            try {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            } catch (IOException e) {
                exchange.close(); // the client timed out and went away
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
