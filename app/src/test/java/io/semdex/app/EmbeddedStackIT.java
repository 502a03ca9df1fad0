package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Band;
import io.semdex.core.IndexFields;
import io.semdex.core.Json;
import io.semdex.embed.EmbedOperator;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.SharedEmbedders;
import io.semdex.embed.Vectors;
import io.semdex.query.LiveIndex;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline with real parts: a KRaft broker, the ingest job on a Flink MiniCluster with
 * two shards, the bundled bge-small-zh-v1.5 model, Lucene on disk, and the query service's HTTP API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedStackIT {

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    /** Twenty documents, Chinese and English, each about one thing. */
    private static final Map<String, String> DOCS = Map.ofEntries(
            Map.entry("fruit-apple", "苹果富含果胶和膳食纤维，是一种常见又好吃的水果。"),
            Map.entry("fruit-vitc", "橙子和猕猴桃都含有大量维生素C。"),
            Map.entry("fruit-melon", "西瓜含水量超过九成，夏天吃可以消暑补水。"),
            Map.entry("capital-paris", "法国的首都是巴黎。"),
            Map.entry("capital-beijing", "北京是中华人民共和国的首都。"),
            Map.entry("capital-tokyo", "The capital of Japan is Tokyo."),
            Map.entry("laptop-black", "笔记本电脑突然黑屏，常见原因是显卡驱动崩溃或电源管理设置异常。"),
            Map.entry("phone-charge", "手机充不进电时，先检查充电口是否有灰尘或异物导致接触不良。"),
            Map.entry("order-ship", "订单付款成功后，仓库一般会在24小时内安排发货。"),
            Map.entry("order-return", "退货需在签收后七天内提交申请，并保持商品完好。"),
            Map.entry("ml-metrics", "准确率、精确率和召回率是评估分类模型最常用的指标。"),
            Map.entry("ml-transformer", "Transformer 架构的核心是自注意力机制。"),
            Map.entry("ml-privacy", "差分隐私通过在训练中加入噪声，防止模型记住单个样本。"),
            Map.entry("pandas-csv", "用 pandas.read_csv() 可以把 CSV 文件读成 DataFrame。"),
            Map.entry("shoes", "Women's breathable cushioned running shoes, lightweight mesh upper."),
            Map.entry("bottle", "Stainless steel insulated water bottle keeps drinks cold for 24 hours."),
            Map.entry("headphones", "Wireless noise-cancelling headphones with 30-hour battery life."),
            Map.entry("coffee", "Freshly roasted arabica coffee beans should be stored in an airtight container away from light."),
            Map.entry("bike", "Check the tire pressure of your bicycle before every long ride."),
            Map.entry("passport", "Passport renewal applications usually take six to eight weeks to process."));

    @TempDir
    static Path data;

    private EmbeddedStack stack;
    private KafkaProducer<byte[], byte[]> producer;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 2, Duration.ofMillis(500)));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        for (var doc : DOCS.entrySet()) {
            send(doc.getKey(), "{\"id\":\"" + doc.getKey() + "\",\"body\":\"" + doc.getValue() + "\"}");
        }
        producer.flush();
        awaitSearch("哪种水果维生素C多", 20, hits -> hits.size() == 20);
    }

    @AfterAll
    void stop() {
        if (producer != null) {
            producer.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theEmbedTasksAndTheQueryServiceHoldOneModelInstance() {
        // Two embed subtasks and the query service: three holds on the one instance this JVM opened.
        assertThat(SharedEmbedders.holders(EmbedderSpec.defaultModel())).isEqualTo(3);
    }

    @Test
    void everyDocumentIsSearchableAndTheAnsweringOneRanksFirst() throws Exception {
        assertTopHit("哪种水果维生素C多", "fruit-vitc");
        assertTopHit("中国的首都是哪个城市", "capital-beijing");
        assertTopHit("手机充电充不进去怎么办", "phone-charge");
        assertTopHit("退货的期限是多久", "order-return");
        assertTopHit("headphones with a long battery life", "headphones");
        assertTopHit("how should I store coffee beans", "coffee");
    }

    @Test
    void hitsCarryTheirCosineRelevanceAndBandAndRespectTheThreshold() throws Exception {
        String q = enc("哪种水果维生素C多");
        // On the cosine scale the threshold is the raw cosine; -1 keeps every unit.
        JsonNode all = get("/api/search?q=" + q + "&k=20&threshold_scale=cosine&threshold=-1&mode=vector");
        assertThat(all.get("model").asText()).isEqualTo(ModelPresets.DEFAULT);
        assertThat(all.get("generation").asText()).isEqualTo("gen-1");
        assertThat(all.get("thresholdScale").asText()).isEqualTo("cosine");
        List<Double> relevances = new ArrayList<>();
        for (JsonNode hit : all.get("hits")) {
            // The default model is calibrated: every hit has a relevance, and its band is the fixed cut-off of it.
            double relevance = hit.get("relevance").asDouble();
            relevances.add(relevance);
            assertThat(relevance).isBetween(0.0, 1.0);
            String band = relevance >= Band.STRONG_FROM ? "strong" : relevance >= Band.RELATED_FROM ? "related" : "weak";
            assertThat(hit.get("band").asText()).isEqualTo(band);
        }
        assertThat(relevances).hasSizeGreaterThan(3).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(relevances.get(0)).as("relevance of the answer").isGreaterThan(relevances.get(relevances.size() - 1));

        // On the calibrated scale, the default, exactly the hits with at least the relevance asked for come back.
        double t = Math.max(0, relevances.get(2) - 1e-6); // just below the third hit's: the cut and the float cosines may round
        List<Double> kept = relevances.stream().filter(r -> r >= t).toList();
        JsonNode cut = get("/api/search?q=" + q + "&k=20&threshold=" + t + "&mode=vector");
        assertThat(cut.get("thresholdScale").asText()).isEqualTo("calibrated");
        List<Double> cutRelevances = new ArrayList<>();
        List<Double> cosines = new ArrayList<>();
        for (JsonNode hit : cut.get("hits")) {
            cutRelevances.add(hit.get("relevance").asDouble());
            cosines.add(hit.get("cosine").asDouble());
            assertThat(hit.get("cosine").asDouble()).isGreaterThanOrEqualTo(cut.get("thresholdCosine").asDouble() - 1e-9);
        }
        assertThat(cutRelevances).as("hits at relevance >= %s", t).isEqualTo(kept);
        assertThat(cosines).isSortedAccordingTo((a, b) -> Double.compare(b, a));

        // Hybrid, the default mode, ranks by the fused score, and the same threshold holds for every hit,
        // keyword matches included: exactly the units at or above it come back.
        JsonNode hybrid = get("/api/search?q=" + q + "&k=20&threshold=" + t);
        assertThat(hybrid.get("mode").asText()).isEqualTo("hybrid");
        List<Double> hybridCosines = new ArrayList<>();
        hybrid.get("hits").forEach(h -> hybridCosines.add(h.get("cosine").asDouble()));
        assertThat(hybridCosines).containsExactlyInAnyOrderElementsOf(cosines);
        List<Double> fused = new ArrayList<>();
        hybrid.get("hits").forEach(h -> fused.add(h.get("score").asDouble()));
        assertThat(fused).isSortedAccordingTo((a, b) -> Double.compare(b, a));
    }

    @Test
    void keywordModeMatchesTermsWithoutTheModelAndHighlightsThem() throws Exception {
        JsonNode response = get("/api/search?q=" + enc("noise-cancelling headphones") + "&mode=keyword&k=3");
        JsonNode top = response.get("hits").get(0);
        assertThat(top.get("docId").asText()).isEqualTo("headphones");
        assertThat(top.get("cosine").isNull()).as("keyword mode embeds nothing").isTrue();
        assertThat(top.get("bm25").asDouble()).isPositive();
        List<String> marked = new ArrayList<>();
        for (JsonNode span : top.get("highlights")) {
            assertThat(span.get("field").asText()).isEqualTo("text");
            marked.add(top.get("text").asText().substring(span.get("start").asInt(), span.get("end").asInt()).toLowerCase(java.util.Locale.ROOT));
        }
        assertThat(marked).contains("noise", "headphones");

        JsonNode chinese = get("/api/search?q=" + enc("退货申请") + "&mode=keyword&k=1");
        JsonNode hit = chinese.get("hits").get(0);
        assertThat(hit.get("docId").asText()).isEqualTo("order-return");
        JsonNode span = hit.get("highlights").get(0);
        assertThat(hit.get("text").asText().substring(span.get("start").asInt(), span.get("end").asInt())).isIn("退货", "申请");
    }

    @Test
    void aDocumentPostedToTheApiGoesThroughKafkaAndBecomesSearchable() throws Exception {
        HttpResponse<String> posted = post("/api/documents",
                "{\"id\":\"note-office\",\"body\":\"The office closes at 6 pm on Fridays.\"}");
        assertThat(posted.statusCode()).isEqualTo(202);
        assertThat(Json.MAPPER.readTree(posted.body()).get("ids").get(0).asText()).isEqualTo("note-office");
        awaitSearch("when does the office close on Friday", 1, hits -> topDoc(hits).equals("note-office"));
    }

    @Test
    void anUpdateReplacesTheOldTextAndATombstoneDeletesTheDocument() throws Exception {
        send("bike", "{\"id\":\"bike\",\"body\":\"Oil the bicycle chain every few hundred kilometres.\"}");
        producer.flush();
        awaitSearch("how often to oil a bicycle chain", 3,
                h -> topDoc(h).equals("bike") && h.get(0).get("text").asText().startsWith("Oil the bicycle chain"));
        assertThat(countDoc("bicycle tire pressure", "bike")).as("one unit of the new version, none of the old").isEqualTo(1);

        send("passport", null);
        producer.flush();
        awaitSearch("passport renewal time", 20, h -> docs(h).stream().noneMatch("passport"::equals));
    }

    /**
     * The embed stage reuses the vectors the index holds: a document sent again with one section edited costs one
     * unit of model time, and the unchanged units keep exactly the vectors indexed before.
     */
    @Test
    void aDocumentSentAgainWithOneSectionEditedIsEmbeddedForThatSectionOnly() throws Exception {
        String first = "# Returns\n\nA kettle can be returned within thirty days of delivery, with its receipt, for a full refund."
                + "\n\n# Shipping\n\nKettle parcels leave the warehouse within two working days of the order."
                + "\n\n# Warranty\n\nEvery kettle carries a two-year warranty covering the heating element and the switch.";
        send("kettle-faq", Json.MAPPER.writeValueAsString(Map.of("id", "kettle-faq", "format", "markdown", "body", first)));
        producer.flush();
        awaitSearch("kettle heating element warranty", 3, h -> topDoc(h).equals("kettle-faq"));
        Map<String, float[]> before = unitVectors("kettle-faq");
        assertThat(before).hasSizeGreaterThan(1);
        Thread.sleep(1_500); // three checkpoints: the embed stage's view of its shard has seen the commit
        long embedded = awaitSettled(EmbedOperator.UNITS_EMBEDDED);
        long reused = count(stack.jobAccumulators(), EmbedOperator.UNITS_REUSED);

        String edited = first.replace("two working days", "one working day");
        send("kettle-faq", Json.MAPPER.writeValueAsString(Map.of("id", "kettle-faq", "format", "markdown", "body", edited)));
        producer.flush();
        awaitSearch("when do kettle parcels leave the warehouse", 3,
                h -> topDoc(h).equals("kettle-faq") && h.get(0).get("text").asText().contains("one working day"));
        // A running job's accumulators come to its client with the task managers' heartbeats, every few seconds.
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Map<String, Object> counted = stack.jobAccumulators();
        while (count(counted, EmbedOperator.UNITS_EMBEDDED) + count(counted, EmbedOperator.UNITS_REUSED) == embedded + reused
                && System.nanoTime() < deadline) {
            Thread.sleep(500);
            counted = stack.jobAccumulators();
        }
        assertThat(count(counted, EmbedOperator.UNITS_EMBEDDED) - embedded).as("units embedded for the edit").isEqualTo(1);
        assertThat(count(counted, EmbedOperator.UNITS_REUSED) - reused).as("units reused").isEqualTo(before.size() - 1);
        Map<String, float[]> after = unitVectors("kettle-faq");
        int same = 0;
        for (var unit : after.entrySet()) {
            if (!unit.getKey().contains("one working day")) {
                assertThat(unit.getValue()).as(unit.getKey()).containsExactly(before.get(unit.getKey()));
                same++;
            }
        }
        assertThat(same).isEqualTo(before.size() - 1);
    }

    private static long count(Map<String, Object> accumulators, String name) {
        return ((Number) accumulators.getOrDefault(name, 0L)).longValue();
    }

    /** The accumulator once it has held still for longer than a heartbeat: it counts everything done before. */
    private long awaitSettled(String name) throws Exception {
        long value = count(stack.jobAccumulators(), name);
        long stillSince = System.nanoTime();
        long deadline = stillSince + PATIENCE.toNanos();
        while (System.nanoTime() - stillSince < Duration.ofSeconds(12).toNanos() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            long now = count(stack.jobAccumulators(), name);
            if (now != value) {
                value = now;
                stillSince = System.nanoTime();
            }
        }
        return value;
    }

    /** The vectors of a document's units as the query service's searcher holds them, by unit text. */
    private Map<String, float[]> unitVectors(String docId) throws Exception {
        Map<String, float[]> vectors = new HashMap<>();
        try (LiveIndex.Snapshot snapshot = stack.service().index().acquire()) {
            IndexSearcher searcher = snapshot.searcher();
            for (ScoreDoc hit : searcher.search(new TermQuery(new Term(IndexFields.DOC_ID, docId)), 100).scoreDocs) {
                LeafReaderContext leaf = searcher.getIndexReader().leaves().get(ReaderUtil.subIndex(hit.doc, searcher.getIndexReader().leaves()));
                FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexFields.VECTOR);
                KnnVectorValues.DocIndexIterator it = values.iterator();
                assertThat(it.advance(hit.doc - leaf.docBase)).isEqualTo(hit.doc - leaf.docBase);
                vectors.put(searcher.storedFields().document(hit.doc).get(IndexFields.TEXT), values.vectorValue(it.index()).clone());
            }
        }
        return vectors;
    }

    @Test
    void aMalformedRecordGoesToTheDeadLetterTopicWithItsReasonAndNothingElseIsLost() throws Exception {
        send("broken-1", "{\"id\":\"broken-1\",\"body\":");
        send("after-broken", "{\"id\":\"after-broken\",\"body\":\"Volcanic eruptions can cool the climate for years.\"}");
        producer.flush();
        awaitSearch("volcanoes and climate", 1, h -> topDoc(h).equals("after-broken"));

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(stack.deadLetterTopic()));
            ConsumerRecord<byte[], byte[]> letter = null;
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (letter == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (new String(r.key(), StandardCharsets.UTF_8).equals("broken-1")) {
                        letter = r;
                    }
                }
            }
            assertThat(letter).as("dead letter for broken-1").isNotNull();
            assertThat(new String(letter.headers().lastHeader("semdex.error").value(), StandardCharsets.UTF_8))
                    .startsWith("malformed JSON");
            assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"broken-1\",\"body\":");
        }
    }

    @Test
    void badRequestsGetA4xxWithAJsonErrorAndNoStackTrace() throws Exception {
        assertError(getRaw("/api/search?k=3"), 400, "'q' is required");
        assertError(getRaw("/api/search?q=x&k=abc"), 400, "'k' must be an integer");
        assertError(getRaw("/api/search?q=x&k=1000"), 400, "between 1 and 100");
        assertError(getRaw("/api/search?q=x&threshold=2"), 400, "relevance between 0 and 1");
        assertError(getRaw("/api/search?q=x&threshold_scale=cosine&threshold=2"), 400, "between -1 and 1");
        assertError(getRaw("/api/search?q=x&mode=magic"), 400, "mode must be one of");
        assertError(getRaw("/api/search?q=x&colour=red"), 400, "unknown parameter 'colour'");
        assertError(getRaw("/api/search?q=x&fusion=magic"), 400, "fusion must be one of");
        assertError(getRaw("/api/search?q=x&alpha=1.5"), 400, "'alpha'");
        assertError(getRaw("/api/search?q=x&group=page"), 400, "'group' must be 'doc'");
        assertError(getRaw("/api/search?q=x&offset=95"), 400, "raise 'candidates'");
        assertError(getRaw("/api/search?q=x&filter=shoes"), 400, "'name:value'");
        assertError(getRaw("/api/search?q=x&filter=colour:red"), 400, "no document has the filter field 'colour'");
        assertError(getRaw("/api/search?q=x&k=1&k=2"), 400, "more than once");
        assertError(post("/api/documents", "{\"id\": \"x\","), 400, "malformed JSON");
        assertError(post("/api/documents", "{\"id\": 7, \"body\": \"x\"}"), 400, "'id' must be a string");
        assertError(post("/api/documents", "{\"id\": \"x\", \"boddy\": \"x\"}"), 400, "unknown field 'boddy'");
        assertError(post("/api/documents", ""), 400, "body is empty");
        assertError(getRaw("/no/such/thing"), 404, "no such endpoint");
    }

    @Test
    void openAiEmbeddingsOfAUnitsTextEqualTheVectorThePipelineIndexed() throws Exception {
        float[] indexed;
        try (LiveIndex.Snapshot snapshot = stack.service().index().acquire()) {
            IndexSearcher searcher = snapshot.searcher();
            ScoreDoc hit = searcher.search(new TermQuery(new Term(IndexFields.UNIT_ID, "fruit-vitc#0")), 1).scoreDocs[0];
            LeafReaderContext leaf = searcher.getIndexReader().leaves().get(ReaderUtil.subIndex(hit.doc, searcher.getIndexReader().leaves()));
            FloatVectorValues values = leaf.reader().getFloatVectorValues(IndexFields.VECTOR);
            KnnVectorValues.DocIndexIterator it = values.iterator();
            assertThat(it.advance(hit.doc - leaf.docBase)).isEqualTo(hit.doc - leaf.docBase);
            indexed = values.vectorValue(it.index()).clone();
        }
        // Exactly what the openai Python client sends by default.
        HttpResponse<String> response = post("/v1/embeddings",
                "{\"input\": [\"" + DOCS.get("fruit-vitc") + "\"], \"model\": \"" + ModelPresets.DEFAULT + "\", \"encoding_format\": \"base64\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(Json.MAPPER.readTree(response.body()).at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] served = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(served);
        assertThat(Vectors.dot(served, indexed)).isGreaterThan(0.99999);
    }

    private void assertTopHit(String query, String expectedDoc) throws Exception {
        JsonNode hits = get("/api/search?q=" + enc(query) + "&k=3&threshold=0").get("hits");
        assertThat(topDoc(hits)).as("top hit for '%s' in %s", query, hits).isEqualTo(expectedDoc);
    }

    private long countDoc(String query, String doc) throws Exception {
        return docs(get("/api/search?q=" + enc(query) + "&k=100&threshold_scale=cosine&threshold=-1").get("hits")).stream().filter(doc::equals).count();
    }

    private JsonNode awaitSearch(String query, int k, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode hits = null;
        while (System.nanoTime() < deadline) {
            hits = get("/api/search?q=" + enc(query) + "&k=" + k + "&threshold_scale=cosine&threshold=-1").get("hits");
            if (done.test(hits)) {
                return hits;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("search for '" + query + "' never reached the expected state; last hits: " + hits);
    }

    private static String topDoc(JsonNode hits) {
        return hits.isEmpty() ? "" : hits.get(0).get("docId").asText();
    }

    private static List<String> docs(JsonNode hits) {
        List<String> ids = new ArrayList<>();
        hits.forEach(h -> ids.add(h.get("docId").asText()));
        return ids;
    }

    private void send(String key, String json) {
        producer.send(new ProducerRecord<>(stack.topic(), key.getBytes(StandardCharsets.UTF_8),
                json == null ? null : json.getBytes(StandardCharsets.UTF_8)));
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> response = getRaw(path);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    private HttpResponse<String> getRaw(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stack.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stack.url() + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, int status, String message) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = Json.MAPPER.readTree(response.body());
        assertThat(body.get("error").asText()).contains(message).doesNotContain("Exception").doesNotContain("\tat ");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
