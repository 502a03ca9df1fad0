package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import io.semdex.embed.Slot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batcher's logic with a stand-in model that records its calls and can be held in a call, so
 * which queries share a call is decided by the test, not by timing. The timeouts only stop a test
 * that would otherwise hang; no assertion depends on how long anything takes.
 */
@Timeout(60)
class QueryBatcherTest {

    /** Long enough that a batch in these tests only goes when a slot frees or it is full. */
    private static final Duration NEVER = Duration.ofDays(1);

    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        clients.shutdownNow();
    }

    @Test
    void aQueryThatFindsTheModelFreeGoesAtOnceOnItsOwnThread() {
        HeldModel model = new HeldModel();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(8, 1, NEVER), sizes::add);

        // With a wait of a day, returning at all shows that an idle model made the query wait for nothing.
        float[] vector = batcher.embedQueries(List.of("q7")).get(0);

        assertThat(vector).containsExactly(7f);
        assertThat(model.calls).containsExactly(List.of("q7"));
        assertThat(model.threads).containsExactly(Thread.currentThread());
        assertThat(sizes).containsExactly(1);
    }

    @Test
    void queriesArrivingWhileTheModelIsBusyShareOneCallAndEachGetsItsOwnVector() throws Exception {
        HeldModel model = new HeldModel();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(8, 1, NEVER), sizes::add);
        model.hold();
        Future<float[]> busy = clients.submit(() -> batcher.embedQueries(List.of("q1")).get(0));
        model.awaitCalls(1);

        List<Future<float[]>> gathered = new ArrayList<>();
        for (int i = 2; i <= 6; i++) {
            String query = "q" + i;
            gathered.add(clients.submit(() -> batcher.embedQueries(List.of(query)).get(0)));
            awaitGathering(batcher, i - 1); // joins in this order
        }
        assertThat(model.calls).hasSize(1); // nothing goes while the only slot is busy
        model.release();

        assertThat(busy.get()).containsExactly(1f);
        for (int i = 0; i < gathered.size(); i++) {
            assertThat(gathered.get(i).get()).containsExactly(i + 2f);
        }
        assertThat(model.calls).containsExactly(List.of("q1"), List.of("q2", "q3", "q4", "q5", "q6"));
        assertThat(sizes).containsExactlyInAnyOrder(1, 5);
    }

    @Test
    void aFullBatchGoesWithoutWaitingForASlotAndTheNextQueryStartsAnother() throws Exception {
        HeldModel model = new HeldModel();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(3, 1, NEVER), size -> {});
        model.hold();
        Future<float[]> busy = clients.submit(() -> batcher.embedQueries(List.of("q1")).get(0));
        model.awaitCalls(1);

        List<Future<float[]>> full = new ArrayList<>();
        for (int i = 2; i <= 4; i++) {
            String query = "q" + i;
            full.add(clients.submit(() -> batcher.embedQueries(List.of(query)).get(0)));
            if (i < 4) {
                awaitGathering(batcher, i - 1);
            }
        }
        model.awaitCalls(2); // the full batch went while q1 still holds the only slot
        assertThat(model.calls.get(1)).containsExactly("q2", "q3", "q4");

        Future<float[]> next = clients.submit(() -> batcher.embedQueries(List.of("q5")).get(0));
        awaitGathering(batcher, 1);
        model.release();

        assertThat(busy.get()).containsExactly(1f);
        assertThat(full.get(0).get()).containsExactly(2f);
        assertThat(full.get(2).get()).containsExactly(4f);
        assertThat(next.get()).containsExactly(5f);
        assertThat(model.calls).containsExactly(List.of("q1"), List.of("q2", "q3", "q4"), List.of("q5"));
    }

    @Test
    void withNoWaitAQueryGoesAloneEvenWhenEverySlotIsBusy() throws Exception {
        HeldModel model = new HeldModel();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(8, 1, Duration.ZERO), size -> {});
        model.hold();
        Future<float[]> busy = clients.submit(() -> batcher.embedQueries(List.of("q1")).get(0));
        model.awaitCalls(1);

        Future<float[]> second = clients.submit(() -> batcher.embedQueries(List.of("q2")).get(0));
        model.awaitCalls(2); // the wait bound, not a free slot, let it go
        model.release();

        assertThat(busy.get()).containsExactly(1f);
        assertThat(second.get()).containsExactly(2f);
        assertThat(model.calls).containsExactly(List.of("q1"), List.of("q2"));
    }

    @Test
    void aFailedCallFailsEveryQueryOfItsBatchAndNoOther() throws Exception {
        HeldModel model = new HeldModel();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(8, 1, NEVER), size -> {});
        model.hold();
        Future<float[]> busy = clients.submit(() -> batcher.embedQueries(List.of("q1")).get(0));
        model.awaitCalls(1);
        List<Future<float[]>> doomed = new ArrayList<>();
        for (String query : List.of("fail", "q3", "q4")) {
            doomed.add(clients.submit(() -> batcher.embedQueries(List.of(query)).get(0)));
            awaitGathering(batcher, doomed.size());
        }
        model.release();

        assertThat(busy.get()).containsExactly(1f);
        for (Future<float[]> query : doomed) {
            assertThatThrownBy(query::get).isInstanceOf(ExecutionException.class)
                    .rootCause().hasMessageContaining("the model refused 'fail'");
        }
        assertThat(batcher.embedQueries(List.of("q9")).get(0)).containsExactly(9f); // the batcher goes on
    }

    @Test
    void otherCallsGoStraightToTheModelAndOccupyASlot() throws Exception {
        HeldModel model = new HeldModel();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(8, 1, NEVER), size -> {});
        model.hold();
        Future<List<float[]>> texts = clients.submit(() -> batcher.embedTexts(List.of("q1", "q2")));
        model.awaitCalls(1);

        Future<float[]> query = clients.submit(() -> batcher.embedQueries(List.of("q3")).get(0));
        awaitGathering(batcher, 1); // the slot is taken by the texts' call
        model.release();

        assertThat(texts.get()).hasSize(2);
        assertThat(query.get()).containsExactly(3f);
        assertThat(batcher.embedQueries(List.of("q4", "q5"))).hasSize(2); // several queries: one direct call
        assertThat(model.calls).containsExactly(List.of("q1", "q2"), List.of("q3"), List.of("q4", "q5"));
    }

    @Test
    void closingSendsTheGatheringBatchAtOnceAndRefusesNewQueries() throws Exception {
        HeldModel model = new HeldModel();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(8, 1, NEVER), size -> {});
        model.hold();
        Future<float[]> busy = clients.submit(() -> batcher.embedQueries(List.of("q1")).get(0));
        model.awaitCalls(1);
        Future<float[]> first = clients.submit(() -> batcher.embedQueries(List.of("q2")).get(0));
        awaitGathering(batcher, 1);
        Future<float[]> second = clients.submit(() -> batcher.embedQueries(List.of("q3")).get(0));
        awaitGathering(batcher, 2);

        batcher.close();
        model.awaitCalls(2); // the batch went although q1 still holds the only slot
        assertThat(model.calls.get(1)).containsExactly("q2", "q3");
        model.release();

        // the stand-in fails every call that outlives its close, as a real model fails calls it could not finish
        assertThatThrownBy(busy::get).rootCause().hasMessageContaining("closed");
        assertThatThrownBy(first::get).rootCause().hasMessageContaining("closed");
        assertThatThrownBy(second::get).rootCause().hasMessageContaining("closed");
        assertThatThrownBy(() -> batcher.embedQueries(List.of("q4"))).hasMessageContaining("closed");
        assertThat(model.calls).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 16, 17, 40})
    void withEveryWorkerBusyConcurrentQueriesBecomeOneCallPer16AndTheRestGoesWhenAWorkerFrees(int queries) throws Exception {
        HeldModel model = new HeldModel();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        QueryBatcher batcher = new QueryBatcher(model, new QueryBatcher.Limits(QueryBatcher.MAX_BATCH, 3, NEVER), sizes::add);
        List<Future<float[]>> workers = occupyWorkers(batcher, model, 3);

        List<Future<float[]>> answers = queryAtOnce(batcher, queries);
        int full = queries / QueryBatcher.MAX_BATCH;
        int rest = queries % QueryBatcher.MAX_BATCH;
        while (rows(batchedCalls(model)) < full * QueryBatcher.MAX_BATCH || batcher.gathering() < rest) {
            Thread.sleep(1); // every query has joined a batch
        }
        assertThat(batchedCalls(model)).as("full batches go without a free worker").hasSize(full)
                .allSatisfy(call -> assertThat(call).hasSize(QueryBatcher.MAX_BATCH));
        assertThat(batcher.gathering()).as("the rest waits for a worker").isEqualTo(rest);

        model.free("q-1");

        assertEachGetsItsOwnVector(answers);
        List<List<String>> calls = batchedCalls(model);
        assertThat(calls).hasSize((queries + QueryBatcher.MAX_BATCH - 1) / QueryBatcher.MAX_BATCH);
        assertThat(calls).allSatisfy(call -> assertThat(call).hasSizeLessThanOrEqualTo(QueryBatcher.MAX_BATCH));
        assertThat(calls.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(names(queries));
        assertThat(workers.get(0).get(30, TimeUnit.SECONDS)).containsExactly(-1f);
        assertThat(workers.get(1)).as("the other workers are still busy").isNotDone();
        assertThat(sizes).as("a size per model call: the freed worker's query, then the batches")
                .containsExactlyInAnyOrderElementsOf(concat(List.of(1), calls.stream().map(List::size).toList()));
        model.free("q-2");
        model.free("q-3");
    }

    @Test
    void aGatheringQueryGoesAloneAtTheRealDeadlineWhileTheOnlyWorkerStaysBusy() throws Exception {
        HeldModel model = new HeldModel();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        QueryBatcher batcher = new QueryBatcher(model, realWindow(1), sizes::add);
        List<Future<float[]>> worker = occupyWorkers(batcher, model, 1);

        float[] vector = batcher.embedQueries(List.of("q7")).get(0); // on this thread: it gathers, as no worker is free

        assertThat(vector).containsExactly(7f);
        assertThat(worker.get(0)).as("the worker is still busy: the deadline, not a free worker, sent the query").isNotDone();
        assertThat(model.calls).containsExactly(List.of("q-1"), List.of("q7"));
        assertThat(sizes).containsExactly(1);
        model.free("q-1");
        assertThat(worker.get(0).get(30, TimeUnit.SECONDS)).containsExactly(-1f);
    }

    @Test
    void underTheRealWindowEveryCallerGetsItsOwnRowAndNoCallTakesMoreThan16() throws Exception {
        HeldModel model = new HeldModel();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        QueryBatcher batcher = new QueryBatcher(model, realWindow(2), sizes::add);
        List<Future<float[]>> workers = occupyWorkers(batcher, model, 2);

        // How many join each window depends on the scheduler; what each caller gets back must not.
        List<Future<float[]>> answers = queryAtOnce(batcher, 100);

        assertEachGetsItsOwnVector(answers);
        assertThat(workers).as("every batch went at its deadline, no worker freed").noneMatch(Future::isDone);
        List<List<String>> calls = batchedCalls(model);
        assertThat(calls).allSatisfy(call -> assertThat(call).hasSizeLessThanOrEqualTo(QueryBatcher.MAX_BATCH));
        assertThat(calls.stream().flatMap(List::stream)).as("each query in exactly one call")
                .containsExactlyInAnyOrderElementsOf(names(100));
        assertThat(sizes).containsExactlyInAnyOrderElementsOf(calls.stream().map(List::size).toList());
        model.free("q-1");
        model.free("q-2");
    }

    @Test
    void onlyModelsWhoseVectorsDoNotDependOnTheirBatchShareCalls() {
        try (Embedder quantized = EmbedderSpec.parse("bge-small-en-v1.5-q").open(Slot.SINGLE);
                Embedder oneByOne = EmbedderSpec.parse("bge-small-zh-v1.5?batch-size=1").open(Slot.SINGLE);
                Embedder fullPrecision = EmbedderSpec.parse("bge-small-zh-v1.5?workers=3").open(Slot.SINGLE)) {
            assertThat(QueryBatcher.limitsFor(quantized)).isEmpty();
            assertThat(QueryBatcher.limitsFor(oneByOne)).isEmpty();
            assertThat(QueryBatcher.limitsFor(fullPrecision))
                    .contains(new QueryBatcher.Limits(QueryBatcher.MAX_BATCH, 3, QueryBatcher.MAX_WAIT));
            assertThat(QueryBatcher.limitsFor(new HeldModel())).isEmpty();
        }
    }

    @Test
    void concurrentQueriesOnARealModelGetTheVectorsTheyGetAlone() throws Exception {
        List<String> queries = List.of("red running shoes", "waterproof hiking boots for winter", "usb c charger",
                "how do I reset my password", "cheap noise cancelling headphones", "a", "organic green tea in bags",
                "stainless steel water bottle 1 litre", "kids bike with training wheels", "laptop stand");
        try (Embedder model = EmbedderSpec.parse("bge-small-zh-v1.5").open(Slot.SINGLE)) {
            List<float[]> alone = new ArrayList<>();
            for (String query : queries) {
                alone.add(model.embedQueries(List.of(query)).get(0));
            }
            QueryBatcher batcher = new QueryBatcher(model, QueryBatcher.limitsFor(model).orElseThrow(), size -> {});
            // 4 rounds of every query at once: whichever of them share calls, each must get its own vector
            for (int round = 0; round < 4; round++) {
                List<Future<float[]>> answers = new ArrayList<>();
                for (String query : queries) {
                    answers.add(clients.submit(() -> batcher.embedQueries(List.of(query)).get(0)));
                }
                for (int i = 0; i < queries.size(); i++) {
                    float[] shared = answers.get(i).get();
                    assertThat(VectorUtil.dotProduct(shared, alone.get(i)))
                            .as("cosine of '%s' to itself embedded alone", queries.get(i)).isGreaterThan(0.9999f);
                }
            }
        }
    }

    private static void awaitGathering(QueryBatcher batcher, int queries) throws InterruptedException {
        while (batcher.gathering() < queries) {
            Thread.sleep(1);
        }
    }

    /** The gather window a model with {@code workers} workers gets in production ({@link QueryBatcher#limitsFor}). */
    private static QueryBatcher.Limits realWindow(int workers) {
        return new QueryBatcher.Limits(QueryBatcher.MAX_BATCH, workers, QueryBatcher.MAX_WAIT);
    }

    /**
     * Keeps {@code workers} model workers busy, one call each ("q-1", "q-2", …), until the test
     * {@linkplain HeldModel#free frees} them; returns the busy calls' answers.
     */
    private List<Future<float[]>> occupyWorkers(QueryBatcher batcher, HeldModel model, int workers) throws InterruptedException {
        List<Future<float[]>> busy = new ArrayList<>();
        for (int worker = 1; worker <= workers; worker++) {
            String query = "q-" + worker;
            model.occupyWith(query);
            busy.add(clients.submit(() -> batcher.embedQueries(List.of(query)).get(0)));
            model.awaitCalls(worker); // found a worker free: a call of its own
        }
        return busy;
    }

    /** Sends "q1" … "qN", each from its own client, all released at once. */
    private List<Future<float[]>> queryAtOnce(QueryBatcher batcher, int queries) {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<float[]>> answers = new ArrayList<>();
        for (String query : names(queries)) {
            answers.add(clients.submit(() -> {
                go.await();
                return batcher.embedQueries(List.of(query)).get(0);
            }));
        }
        go.countDown();
        return answers;
    }

    private static List<String> names(int queries) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= queries; i++) {
            names.add("q" + i);
        }
        return names;
    }

    /** The answer of "qN" is {N}: the caller's own row of its batch, not a neighbour's. */
    private static void assertEachGetsItsOwnVector(List<Future<float[]>> answers) throws Exception {
        for (int i = 0; i < answers.size(); i++) {
            assertThat(answers.get(i).get(30, TimeUnit.SECONDS)).as("q%d", i + 1).containsExactly(i + 1f);
        }
    }

    /** The model calls made for searches, without those that keep workers busy. */
    private static List<List<String>> batchedCalls(HeldModel model) {
        return model.calls.stream().filter(call -> !call.get(0).startsWith("q-")).toList();
    }

    private static int rows(List<List<String>> calls) {
        return calls.stream().mapToInt(List::size).sum();
    }

    private static <T> List<T> concat(List<T> first, List<T> second) {
        List<T> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /**
     * A model whose vector of "qN" is {N}, that fails on "fail", can hold its calls until released,
     * can keep the worker that takes a chosen query busy until the test frees it, and fails every
     * call that is still running or starts after its close.
     */
    private static final class HeldModel implements Embedder {
        final List<List<String>> calls = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final Semaphore gate = new Semaphore(Integer.MAX_VALUE);
        private final Map<String, CountDownLatch> busy = new ConcurrentHashMap<>();
        private volatile boolean closed;
        private volatile boolean held;

        void hold() {
            gate.drainPermits();
            held = true;
        }

        void release() {
            held = false;
            gate.release(Integer.MAX_VALUE / 2);
        }

        /** A call of {@code query} alone keeps its worker busy until {@link #free} of the same query. */
        void occupyWith(String query) {
            busy.put(query, new CountDownLatch(1));
        }

        void free(String query) {
            busy.get(query).countDown();
        }

        void awaitCalls(int n) throws InterruptedException {
            while (calls.size() < n) {
                Thread.sleep(1);
            }
        }

        private List<float[]> embed(List<String> texts) {
            calls.add(List.copyOf(texts));
            threads.add(Thread.currentThread());
            CountDownLatch occupied = texts.size() == 1 ? busy.get(texts.get(0)) : null;
            if (occupied != null) {
                try {
                    occupied.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while busy with " + texts.get(0), e);
                }
            }
            if (held) {
                gate.acquireUninterruptibly();
                gate.release();
            }
            if (closed) {
                throw new IllegalStateException("the model is closed");
            }
            List<float[]> vectors = new ArrayList<>();
            for (String text : texts) {
                if (text.equals("fail")) {
                    throw new IllegalStateException("the model refused 'fail'");
                }
                vectors.add(new float[] {Float.parseFloat(text.substring(1))});
            }
            return vectors;
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return embed(texts);
        }

        @Override
        public List<float[]> embedQueries(List<String> queries) {
            return embed(queries);
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            return embed(texts);
        }

        @Override
        public EmbedderInfo info() {
            return new EmbedderInfo("held-model", 1, "test", "cpu", 512, 1);
        }

        @Override
        public ModelPreset preset() {
            throw new UnsupportedOperationException("a stand-in has no preset");
        }

        @Override
        public int countTokens(String text) {
            return 1;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
