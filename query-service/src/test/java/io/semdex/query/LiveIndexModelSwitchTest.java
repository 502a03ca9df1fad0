package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.semdex.core.Generation;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.core.TextAnalysis;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderInfo;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.Unit;
import io.semdex.sink.ShardWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pair of generation and query model in {@link LiveIndex}: a switch to a generation of
 * another model brings that model, opened from the manifest's spec; snapshots taken before keep
 * their pair; the old model closes with its last snapshot; a model that cannot be opened keeps the
 * generation from being searched, and the one before it goes on being searched; a model being
 * opened blocks no refresh. Stand-in embedders (the logic is under test, not a model); the tests
 * open models in the refresh's own thread (a direct executor) unless they watch the loading itself.
 */
class LiveIndexModelSwitchTest {

    /**
     * The other model's generations: a real preset, since the index parses the manifest's spec; the
     * stand-ins never read its files.
     */
    private static final String MODEL_B = "qwen3-embedding-0.6b";
    private static final String SPEC_B = MODEL_B + "?dir=/m";

    @TempDir
    Path root;

    @Test
    void aSwitchToAnotherModelsGenerationSwapsTheQueryModelWithItAndClosesTheOldOneAfterItsLastSearch() throws Exception {
        IndexLayout layout = new IndexLayout(root);
        layout.switchTo(layout.create(1, manifest("model-a", 4, null)));
        StandIn own = new StandIn("model-a", 4);
        List<String> opened = new ArrayList<>();
        List<StandIn> models = new ArrayList<>();
        QueryModels open = spec -> {
            opened.add(spec.text());
            StandIn model = new StandIn(spec.preset().id(), 8);
            models.add(model);
            return model;
        };
        try (LiveIndex index = new LiveIndex(layout, own, open, 60_000, Runnable::run)) {
            LiveIndex.Snapshot onA = index.acquire();
            assertThat(onA.embedder()).isSameAs(own);

            layout.switchTo(layout.create(2, manifest(MODEL_B, 8, SPEC_B)));
            index.refresh();
            LiveIndex.Snapshot onB = index.acquire();
            assertThat(opened).containsExactly(SPEC_B);
            assertThat(onB.generation().orElseThrow().name()).isEqualTo("gen-2");
            assertThat(onB.embedder()).isSameAs(models.get(0));
            assertThat(onA.embedder()).as("a search in flight keeps its pair").isSameAs(own);
            assertThat(index.queryModel().modelId()).isEqualTo(MODEL_B);
            SearchResponse response = new Searcher(index, 0).search(SearchRequest.builder("q").mode(SearchMode.VECTOR).build());
            assertThat(response.model()).isEqualTo(MODEL_B);
            assertThat(models.get(0).queries).containsExactly("q");
            assertThat(own.queries).isEmpty();

            // More shards of the same generation, or a later generation of the same model, reuse the open model.
            layout.switchTo(layout.create(3, manifest(MODEL_B, 8, SPEC_B)));
            index.refresh();
            assertThat(opened).hasSize(1);

            layout.switchTo(layout.create(4, manifest("model-a", 4, "model-a")));
            index.refresh();
            LiveIndex.Snapshot backOnA = index.acquire();
            assertThat(backOnA.embedder()).isSameAs(own);
            assertThat(models.get(0).closed).as("a snapshot still uses " + MODEL_B).isFalse();
            onB.close();
            assertThat(models.get(0).closed).isTrue();
            onA.close();
            backOnA.close();
        }
        assertThat(own.closed).as("the service's own model is closed by the service").isFalse();
    }

    @Test
    void aGenerationWhoseModelCannotBeOpenedIsNotSearchedTheOldOneGoesOnAndTheFailureSaysWhy() throws Exception {
        IndexLayout layout = new IndexLayout(root);
        Generation first = layout.create(1, manifest("model-a", 4, null));
        layout.switchTo(first);
        StandIn own = new StandIn("model-a", 4);
        StandIn wrong = new StandIn("model-c", 8);
        List<QueryModels> answers = new ArrayList<>(List.of(
                spec -> {
                    throw new IllegalStateException("no model files in /m");
                },
                spec -> wrong));
        QueryModels open = spec -> answers.removeFirst().open(spec);
        try (LiveIndex index = new LiveIndex(layout, own, open, 60_000, Runnable::run)) {
            layout.switchTo(layout.create(2, manifest(MODEL_B, 8, SPEC_B)));
            index.refresh();
            assertThat(index.problem()).as("the old generation is still searched: the index is ready").isEmpty();
            assertThat(index.switchFailure()).hasValueSatisfying(f -> {
                assertThat(f.generation()).isEqualTo("gen-2");
                assertThat(f.reason()).contains("gen-2", SPEC_B, "no model files in /m");
            });
            try (LiveIndex.Snapshot snapshot = index.acquire()) {
                assertThat(snapshot.generation()).contains(first);
                assertThat(snapshot.embedder()).isSameAs(own);
            }
            index.refresh();
            assertThat(answers).as("not tried again before the retry time").hasSize(1);

            layout.switchTo(layout.create(3, manifest(MODEL_B, 8, SPEC_B)));
            index.refresh();
            assertThat(index.switchFailure()).hasValueSatisfying(f -> assertThat(f.reason()).contains("gen-3", "model-c"));
            assertThat(wrong.closed).as("a model that is not the generation's is closed at once").isTrue();
            try (LiveIndex.Snapshot snapshot = index.acquire()) {
                assertThat(snapshot.generation()).contains(first);
            }
        }
    }

    @Test
    void aGenerationWhoseSpecDoesNotParseIsAModelThatCannotBeOpened() throws Exception {
        IndexLayout layout = new IndexLayout(root);
        Generation first = layout.create(1, manifest("model-a", 4, null));
        layout.switchTo(first);
        StandIn own = new StandIn("model-a", 4);
        List<EmbedderSpec> opened = new ArrayList<>();
        QueryModels open = spec -> {
            opened.add(spec);
            return new StandIn(spec.preset().id(), 8);
        };
        try (LiveIndex index = new LiveIndex(layout, own, open, 60_000, Runnable::run)) {
            // Written by a version that knew a preset this one does not.
            layout.switchTo(layout.create(2, manifest("model-z", 8, "model-z?dir=/m")));
            index.refresh();
            assertThat(opened).isEmpty();
            assertThat(index.problem()).isEmpty();
            assertThat(index.switchFailure()).hasValueSatisfying(f -> assertThat(f.reason())
                    .contains("gen-2", "model-z?dir=/m", "unknown model preset 'model-z'"));
            try (LiveIndex.Snapshot snapshot = index.acquire()) {
                assertThat(snapshot.generation()).contains(first);
                assertThat(snapshot.embedder()).isSameAs(own);
            }
        }
    }

    @Test
    void aModelBeingOpenedBlocksNoRefreshTheOldGenerationTakesInNewCommitsMeanwhile() throws Exception {
        IndexLayout layout = new IndexLayout(root);
        Generation first = layout.create(1, manifest("model-a", 4, null));
        layout.switchTo(first);
        StandIn own = new StandIn("model-a", 4);
        StandIn slow = new StandIn(MODEL_B, 8);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        QueryModels open = spec -> {
            loading.countDown();
            try {
                release.await(); // a model that takes minutes to load, until the test lets it finish
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return slow;
        };
        ExecutorService loader = Executors.newSingleThreadExecutor();
        try (LiveIndex index = new LiveIndex(layout, own, open, 60_000, loader)) {
            writeUnit(first, "before");
            index.refresh();
            layout.switchTo(layout.create(2, manifest(MODEL_B, 8, SPEC_B)));
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                index.refresh(); // starts the load and returns: it must not wait for it
                assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
                writeUnit(first, "during");
                index.refresh();
            }, "a refresh waited for the model being opened");
            try (LiveIndex.Snapshot snapshot = index.acquire()) {
                assertThat(snapshot.generation()).contains(first);
                assertThat(snapshot.units()).as("gen-1's commit made while gen-2's model loads is searched").isEqualTo(2);
            }
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (index.queryModel() != slow.info() && System.nanoTime() < deadline) {
                Thread.sleep(20); // the load's end triggers a refresh of its own
            }
            assertThat(index.queryModel().modelId()).isEqualTo(MODEL_B);
            assertThat(index.switchFailure()).isEmpty();
        } finally {
            loader.shutdownNow();
        }
    }

    /** Adds one unit to the generation's shard 0 and publishes it, as the sink does at a checkpoint. */
    private static void writeUnit(Generation generation, String id) throws Exception {
        try (ShardWriter shard = ShardWriter.open(generation.shardDir(0), TextAnalysis.ENGLISH,
                io.semdex.core.PublishedCommit.read(generation.shardDir(0)))) {
            Unit unit = new Unit(Unit.idOf(id, 0), id, 0, "text of " + id, List.of(), id, null, "test", "en", java.util.Map.of(), "h-" + id);
            float[] vector = new float[4];
            Arrays.fill(vector, 0.5f);
            shard.apply(new EmbeddedDocument(id, 0, false, List.of(new EmbeddedUnit(unit, vector))));
            shard.commitAndPublish();
        }
    }

    private static Manifest manifest(String model, int dimensions, String spec) {
        return new Manifest(model, dimensions, "cosine", TextAnalysis.ENGLISH, 1, Instant.now(), "test", null, spec);
    }

    /** Answers queries with a fixed unit vector and remembers them. */
    private static final class StandIn implements Embedder {
        private final EmbedderInfo info;
        final List<String> queries = new ArrayList<>();
        volatile boolean closed;

        StandIn(String model, int dimensions) {
            this.info = new EmbedderInfo(model, dimensions, "stand-in", "cpu", 512, dimensions);
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return embedTexts(texts);
        }

        @Override
        public synchronized List<float[]> embedQueries(List<String> texts) {
            queries.addAll(texts);
            return embedTexts(texts);
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            float[] v = new float[info.dimensions()];
            Arrays.fill(v, (float) (1 / Math.sqrt(v.length)));
            return texts.stream().map(t -> v.clone()).toList();
        }

        @Override
        public EmbedderInfo info() {
            return info;
        }

        @Override
        public ModelPreset preset() {
            throw new UnsupportedOperationException("a stand-in has no model files");
        }

        @Override
        public int countTokens(String text) {
            return text.length();
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
