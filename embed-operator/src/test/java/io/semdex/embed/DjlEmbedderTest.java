package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the real bundled bge-small-zh-v1.5 model through DJL + ONNX Runtime. */
class DjlEmbedderTest {

    private static DjlEmbedder embedder;

    @BeforeAll
    static void load() {
        embedder = DjlEmbedder.open(EmbedderSpec.defaultModel().preset(), 4); // small batches: texts meet different neighbours
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    @Test
    void vectorsHaveThePresetDimensionsAndUnitLength() {
        List<float[]> vectors = embedder.embedDocuments(List.of("法国的首都是巴黎。", "The capital of Japan is Tokyo."));
        assertThat(vectors).hasSize(2);
        for (float[] v : vectors) {
            assertThat(v).hasSize(512);
            assertThat(Vectors.dot(v, v)).isCloseTo(1.0, within(1e-5));
        }
        assertThat(embedder.info().dimensions()).isEqualTo(512);
        assertThat(embedder.info().engine()).isEqualTo("OnnxRuntime");
    }

    @Test
    void aTextGetsTheSameVectorWhateverBatchItIsIn() {
        String text = "订单付款成功后，仓库一般会在24小时内安排发货。";
        float[] alone = embedder.embedDocuments(List.of(text)).get(0);
        List<float[]> mixed = embedder.embedDocuments(List.of(
                "短句。", text, "A much longer English sentence that pads the batch to many more tokens than the others do.",
                "香蕉含钾量高。", "x", "另一个句子"));
        assertThat(Vectors.dot(alone, mixed.get(1))).isGreaterThan(0.9999);
    }

    @Test
    void aQueryIsClosestToTheLineThatAnswersIt() {
        List<String> lines = List.of(
                "苹果富含果胶和膳食纤维，是一种常见又好吃的水果。",
                "橙子和猕猴桃都含有大量维生素C。",
                "法国的首都是巴黎。",
                "Wireless noise-cancelling headphones with 30-hour battery life.");
        List<float[]> docs = embedder.embedDocuments(lines);
        float[] query = embedder.embedQueries(List.of("哪种水果维生素C多")).get(0);
        int best = 0;
        for (int i = 1; i < docs.size(); i++) {
            if (Vectors.dot(query, docs.get(i)) > Vectors.dot(query, docs.get(best))) {
                best = i;
            }
        }
        assertThat(lines.get(best)).contains("维生素C");
    }

    @Test
    void emptyInputGivesNoVectors() {
        assertThat(embedder.embedDocuments(List.of())).isEmpty();
    }

    @Test
    void queriesGetTheModelsInstructionAndTokenInputsMatchTextInputs() {
        String query = "哪种水果维生素C多";
        float[] viaQueries = embedder.embedQueries(List.of(query)).get(0);
        float[] viaText = embedder.embedTexts(List.of("为这个句子生成表示以用于检索相关文章：" + query)).get(0);
        assertThat(Vectors.dot(viaQueries, viaText)).isGreaterThan(0.999999);
        long[] ids = embedder.tokenize(List.of(query))[0];
        assertThat(Vectors.dot(embedder.embedTokens(List.of(ids)).get(0), embedder.embedTexts(List.of(query)).get(0)))
                .isGreaterThan(0.999999);
        assertThat(embedder.countTokens(query)).isEqualTo(ids.length);
    }

    @Test
    void allMiniLmIsNeitherPaddedTo128NorLongerThan128Tokens() {
        // Its tokenizer.json pads and truncates every input to 128 tokens on its own.
        try (DjlEmbedder minilm = DjlEmbedder.open(EmbedderSpec.parse("all-minilm-l6-v2").preset())) {
            long[][] ids = minilm.tokenize(List.of("short text", "word ".repeat(400)));
            assertThat(ids[0]).hasSize(4); // [CLS] short text [SEP]
            assertThat(ids[1]).hasSize(128);
            assertThat(ids[1][127]).isEqualTo(ids[0][3]); // still ends with [SEP]
            assertThat(minilm.countTokens("word ".repeat(400))).isEqualTo(402);
            float[] alone = minilm.embedTexts(List.of("short text")).get(0);
            float[] padded = minilm.embedTexts(List.of("short text", "word ".repeat(400))).get(0);
            assertThat(Vectors.dot(alone, padded)).isGreaterThan(0.99999);
        }
    }

    @Test
    void concurrentModelCallsGiveTheSameVectorsInInputOrder() {
        List<String> texts = List.of("法国的首都是巴黎。", "The capital of Japan is Tokyo.", "短句。", "香蕉含钾量高。",
                "A much longer English sentence that pads the batch to many more tokens than the others do.", "x");
        List<float[]> sequential = embedder.embedDocuments(texts);
        DjlEmbedder.Options options = new DjlEmbedder.Options("auto", ai.djl.Device.cpu(), new Batching(2, 4096), 1, 3, true);
        try (DjlEmbedder parallel = DjlEmbedder.open(EmbedderSpec.defaultModel().preset(), options)) {
            assertThat(parallel.workers()).isEqualTo(3);
            List<float[]> vectors = parallel.embedDocuments(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(Vectors.dot(vectors.get(i), sequential.get(i))).isGreaterThan(0.99999);
            }
        }
    }

    @Test
    void closeWaitsForModelCallsInFlightAndLaterCallsFailCleanly() throws Exception {
        // Freeing the native session under a running call crashes the JVM (and this test's fork with it).
        DjlEmbedder.Options options = new DjlEmbedder.Options("auto", ai.djl.Device.cpu(), new Batching(8, 4096), 1, 2, true);
        DjlEmbedder closing = DjlEmbedder.open(EmbedderSpec.defaultModel().preset(), options);
        List<String> texts = java.util.stream.IntStream.range(0, 256)
                .mapToObj(i -> "第" + i + "段：a paragraph long enough to keep the model busy for a while, " + "词语 ".repeat(40))
                .toList();
        var started = new java.util.concurrent.CountDownLatch(1);
        var call = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            started.countDown();
            return closing.embedDocuments(texts);
        });
        started.await();
        Thread.sleep(200); // let the workers enter the model
        closing.close();

        // The call in flight either finished with every vector or stopped with a clear error; the JVM lives.
        try {
            assertThat(call.get()).hasSize(texts.size()).allSatisfy(v -> assertThat(v).hasSize(512));
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> closing.embedDocuments(List.of("after close")))
                .isInstanceOf(IllegalStateException.class);
        closing.close(); // idempotent
    }

    @Test
    void closeNeverFreesTheTokenizerUnderAnEncode() throws Exception {
        // Freeing the native tokenizer while another thread encodes aborts the JVM (a panic in the
        // tokenizers library), and this test's fork with it.
        DjlEmbedder closing = DjlEmbedder.open(EmbedderSpec.defaultModel().preset(), 4);
        List<String> texts = java.util.Collections.nCopies(64, "第一段：a paragraph that takes the tokenizer a while, " + "词语 words ".repeat(200));
        var threads = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var running = new java.util.concurrent.CountDownLatch(4);
            List<java.util.concurrent.Future<Integer>> counters = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                counters.add(threads.submit(() -> {
                    running.countDown();
                    int counted = 0;
                    while (true) {
                        try {
                            closing.tokenize(texts); // a batch encode, as every embed call starts
                            counted++;
                        } catch (IllegalStateException closed) {
                            return counted; // every call after close fails cleanly
                        }
                    }
                }));
            }
            running.await();
            Thread.sleep(200);
            closing.close();
            for (var counter : counters) {
                assertThat(counter.get(60, java.util.concurrent.TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void theEngineFollowsTheModelFileUnlessConfigured() {
        assertThat(DjlEmbedder.engineFor("auto", Path.of("m/model.onnx"))).isEqualTo("OnnxRuntime");
        assertThat(DjlEmbedder.engineFor("auto", Path.of("m/model.pt"))).isEqualTo("PyTorch");
        assertThat(DjlEmbedder.engineFor("pytorch", Path.of("m/model.bin"))).isEqualTo("PyTorch");
        assertThatThrownBy(() -> DjlEmbedder.engineFor("auto", Path.of("m/model.bin"))).hasMessageContaining("engine=onnxruntime|pytorch");
    }

    @Test
    void aMissingModelDirectorySaysWhatToPutThere() {
        assertThatThrownBy(() -> DjlEmbedder.open(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/nonexistent/q3").preset()))
                .hasMessageContaining("model.onnx").hasMessageContaining("tokenizer.json");
    }

    @Test
    void aDynamicallyQuantizedModelEmbedsEachTextAloneSoItsVectorDoesNotDependOnItsBatch() {
        assertThat(DjlEmbedder.vectorsDependOnBatch(EmbedderSpec.parse("bge-small-en-v1.5-q").preset(), "auto")).isTrue();
        assertThat(DjlEmbedder.vectorsDependOnBatch(EmbedderSpec.defaultModel().preset(), "auto")).isFalse();
        assertThat(DjlEmbedder.vectorsDependOnBatch(EmbedderSpec.parse("all-minilm-l6-v2").preset(), "auto")).isFalse();

        String text = "Wireless noise-cancelling headphones with 30-hour battery life";
        List<String> batch = List.of(text, "USB-C charging cable, 2 m, braided nylon, fast charging up to 100 W for laptops and phones",
                "x", "Stainless steel water bottle 750 ml keeps drinks cold for 24 hours and hot for 12");
        try (Embedder byDefault = EmbedderSpec.parse("bge-small-en-v1.5-q").open(Slot.SINGLE);
                Embedder batched = EmbedderSpec.parse("bge-small-en-v1.5-q?batch-size=8").open(Slot.SINGLE)) {
            assertThat(((DjlEmbedder) byDefault).batching().maxBatchSize()).isEqualTo(1);
            assertThat(((DjlEmbedder) batched).batching().maxBatchSize()).isEqualTo(8);
            float[] alone = byDefault.embedDocuments(List.of(text)).get(0);
            assertThat(Vectors.dot(alone, byDefault.embedDocuments(batch).get(0))).isGreaterThan(0.999999);
            // Why: in a shared call the int8 scale comes from every row, and the same text moves.
            assertThat(Vectors.dot(alone, batched.embedDocuments(batch).get(0))).isLessThan(0.9999);
        }
        try (Embedder fp32 = EmbedderSpec.defaultModel().open(Slot.SINGLE)) {
            assertThat(((DjlEmbedder) fp32).batching()).isEqualTo(Batching.CPU_DEFAULT);
        }
    }

    @Test
    void theInteractiveViewRunsBesideBusyWorkersWithTheSameVectors() throws Exception {
        // One worker, and the bulk call one batch: it holds the worker's predictor from start to end.
        DjlEmbedder.Options options = new DjlEmbedder.Options("auto", ai.djl.Device.cpu(), new Batching(256, 1 << 20), 1, 1, true);
        try (DjlEmbedder model = DjlEmbedder.open(embedder.preset(), options)) {
            assertThat(model.workers()).isEqualTo(1); // the interactive predictor comes on top
            List<String> bulk = java.util.stream.IntStream.range(0, 96)
                    .mapToObj(i -> "第" + i + "段：a paragraph long enough to keep the one worker busy for seconds, " + "词语 ".repeat(60))
                    .toList();
            var bulkCall = java.util.concurrent.CompletableFuture.supplyAsync(() -> model.embedDocuments(bulk));
            Thread.sleep(500); // let the bulk call tokenize and take the worker's predictor
            String query = "哪种水果维生素C多";
            float[] beside = model.interactive().embedQueries(List.of(query)).get(0);
            assertThat(bulkCall).as("the bulk call, still running when the interactive one is done").isNotDone();
            assertThat(Vectors.dot(beside, embedder.embedQueries(List.of(query)).get(0))).isGreaterThan(0.99999);
            assertThat(bulkCall.get()).hasSize(bulk.size());
        }
    }
}
