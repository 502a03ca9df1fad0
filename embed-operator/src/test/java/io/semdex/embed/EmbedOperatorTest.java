package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.ContentHash;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.RecordOrigin;
import io.semdex.core.SplitDocument;
import io.semdex.core.Unit;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedding operator on Flink's own operator harness (real keyed and operator state backends,
 * real checkpoint calls), with a hash-based stand-in model: what is proven here is queuing, reuse,
 * the order of versions across the two lanes, and what a checkpoint holds, not vector quality.
 */
@SuppressWarnings("try") // the harness's close() may throw InterruptedException; these tests run on one thread
class EmbedOperatorTest {

    private static final QueuePolicy POLICY = new QueuePolicy(10);

    @BeforeEach
    void clearCallsAndIndex() {
        HashEmbedder.CALLS.clear();
        CommittedVectors.clear();
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> harness(EmbedderFactory model)
            throws Exception {
        EmbedOperator operator = new EmbedOperator(model, HashEmbedder.PRESET.fingerprint(), POLICY, null, null, new CommittedVectors());
        return new KeyedTwoInputStreamOperatorTestHarness<>(operator, SplitDocument::docId, SplitDocument::docId, Types.STRING);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> harness() throws Exception {
        return harness(HashEmbedder.factory());
    }

    static SplitDocument doc(String id, String... paragraphs) {
        return doc(id, 0, paragraphs);
    }

    /** A document as read from a topic that accepted it at {@code acceptedAt}. */
    static SplitDocument doc(String id, long acceptedAt, String... paragraphs) {
        List<Unit> units = new ArrayList<>();
        for (int i = 0; i < paragraphs.length; i++) {
            units.add(new Unit(Unit.idOf(id, i), id, i, paragraphs[i], List.of(), null, null, null, null, null,
                    ContentHash.of(paragraphs[i])));
        }
        return new SplitDocument(id, 0, false, units, origin(id, acceptedAt));
    }

    static RecordOrigin origin(String id, long acceptedAt) {
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        return new RecordOrigin(key, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), "documents", 0, 0, acceptedAt);
    }

    static List<EmbeddedDocument> emitted(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h) {
        List<EmbeddedDocument> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((EmbeddedDocument) r.getValue());
            }
        }
        return out;
    }

    static List<String> ids(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h) {
        return emitted(h).stream().map(EmbeddedDocument::docId).toList();
    }

    /** The sink commits what the stage emitted so far, and the checkpoint completes: the stage's view of the index refreshes. */
    static void committed(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h,
            long checkpointId) throws Exception {
        CommittedVectors.commit(emitted(h));
        h.notifyOfCompletedCheckpoint(checkpointId);
    }

    /** Runs mail until every document taken in has left: a document only waits for the model calls its units are in. */
    static void settle(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h) throws Exception {
        ((EmbedOperator) h.getOperator()).awaitPending();
    }

    @Test
    void documentsLeaveWholeWithEveryUnitsVector() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", "one", "two", "three")));
            h.processElement1(new StreamRecord<>(doc("b", "four", "five")));
            h.processElement2(new StreamRecord<>(doc("c", "6", "7", "8", "9", "10")));
            settle(h);
            List<EmbeddedDocument> out = emitted(h);
            assertThat(out).extracting(EmbeddedDocument::docId).containsExactlyInAnyOrder("a", "b", "c");
            EmbeddedDocument a = out.stream().filter(d -> d.docId().equals("a")).findFirst().orElseThrow();
            assertThat(a.units()).extracting(u -> u.unit().text()).containsExactly("one", "two", "three");
            for (EmbeddedDocument d : out) {
                for (EmbeddedUnit u : d.units()) {
                    assertThat(u.vector()).containsExactly(HashEmbedder.vectorOf(u.unit().text()));
                    // The key the index stores the vector under: the model's fingerprint and exactly what the model read.
                    assertThat(u.vectorKey()).isEqualTo(ContentHash.of(HashEmbedder.PRESET.fingerprint(), u.unit().embeddingInput()));
                }
            }
        }
    }

    @Test
    void editingOneParagraphEmbedsOnlyThatParagraphAndTheCountersSaySo() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", "intro", "body", "outro")));
            settle(h);
            committed(h, 1);
            HashEmbedder.CALLS.clear();
            h.processElement1(new StreamRecord<>(doc("a", "intro", "body, edited", "outro")));
            settle(h);
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("body, edited"));
            EmbeddedDocument second = emitted(h).get(1);
            assertThat(second.units()).extracting(u -> u.unit().text()).containsExactly("intro", "body, edited", "outro");
            for (EmbeddedUnit u : second.units()) {
                assertThat(u.vector()).containsExactly(HashEmbedder.vectorOf(u.unit().text()));
            }
            EmbedOperator op = (EmbedOperator) h.getOperator();
            assertThat(op.unitsEmbedded()).isEqualTo(4);
            assertThat(op.unitsReused()).isEqualTo(2);
        }
    }

    @Test
    void anUnchangedResendAndADeletePassStraightThroughWithoutAModelCall() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", "one", "two")));
            settle(h);
            committed(h, 1);
            HashEmbedder.CALLS.clear();
            h.processElement1(new StreamRecord<>(doc("a", "one", "two")));
            h.processElement1(new StreamRecord<>(SplitDocument.delete("a")));
            assertThat(HashEmbedder.CALLS).isEmpty();
            assertThat(emitted(h)).extracting(EmbeddedDocument::deleted).containsExactly(false, false, true);
            // Once the delete is committed the index holds nothing of it: a re-add embeds again.
            committed(h, 2);
            h.processElement1(new StreamRecord<>(doc("a", "one", "two")));
            settle(h);
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("one", "two"));
        }
    }

    @Test
    void vectorsAreReusedOnlyOnceTheCheckpointThatCommitsThemCompletes() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", "intro", "body")));
            settle(h);
            // In the shard's commit, but the stage has not heard that the checkpoint completed: it looks at the commit before.
            CommittedVectors.commit(emitted(h));
            HashEmbedder.CALLS.clear();
            h.processElement1(new StreamRecord<>(doc("a", "intro", "body", "one")));
            settle(h);
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("intro", "body", "one"));
            h.notifyOfCompletedCheckpoint(1);
            HashEmbedder.CALLS.clear();
            h.processElement1(new StreamRecord<>(doc("a", "intro", "body", "two")));
            settle(h);
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("two"));
        }
    }

    @Test
    void vectorsTheIndexHoldsAreReusedAfterARestoreAndTheCheckpointHoldsNone() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 20; i++) {
                h.processElement1(new StreamRecord<>(doc("d" + i, "text " + i, "more " + i)));
            }
            h.processElement1(new StreamRecord<>(doc("a", "intro", "body")));
            settle(h);
            committed(h, 1);
            // Keyed state: one entry per document, the last write the lanes' ordering rule needs; no vectors.
            var keyed = (HeapKeyedStateBackend<?>) ((EmbedOperator) h.getOperator()).getKeyedStateBackend();
            assertThat(keyed.numKeyValueStateEntries()).isEqualTo(21);
            snapshot = h.snapshot(2, 10);
        }
        HashEmbedder.CALLS.clear();
        try (var restored = restoredWithANewEnding(snapshot)) {
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("new ending"));
        }
    }

    /** The embed stage restored from {@code snapshot}, after document "a" came again as intro, body and a new ending. */
    private static KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> restoredWithANewEnding(
            OperatorSubtaskState snapshot) throws Exception {
        var restored = harness();
        restored.initializeState(snapshot);
        restored.open();
        restored.processElement1(new StreamRecord<>(doc("a", "intro", "body", "new ending")));
        settle(restored);
        return restored;
    }

    @Test
    void theVectorStateEarlierVersionsKeptIsEmptiedOnRestore() throws Exception {
        SplitDocument a = doc("a", "intro", "body");
        CommittedVectors.commit(List.of(new EmbeddedDocument("a", 0, false, a.units().stream()
                .map(u -> new EmbeddedUnit(u, HashEmbedder.vectorOf(u.text()), ContentHash.of(HashEmbedder.PRESET.fingerprint(), u.embeddingInput())))
                .toList())));
        OperatorSubtaskState snapshot;
        // A checkpoint of earlier versions: every document's vectors in keyed state, as float[] and as bytes.
        try (var earlier = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new EarlierVectorStates()),
                SplitDocument::docId, Types.STRING)) {
            earlier.open();
            earlier.processElement(new StreamRecord<>(a));
            earlier.processElement(new StreamRecord<>(doc("b", "other")));
            snapshot = earlier.snapshot(1, 10);
        }
        try (var restored = restoredWithANewEnding(snapshot)) {
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("new ending"));
            for (String state : EmbedOperator.EARLIER_VECTOR_STATES.keySet()) {
                try (var left = ((EmbedOperator) restored.getOperator()).getKeyedStateBackend().getKeys(state, VoidNamespace.INSTANCE)) {
                    assertThat(left.count()).as("documents left in " + state).isZero();
                }
            }
        }
    }

    /** Writes what earlier versions' embed stage kept: each unit's vector as {@code float[]} and as bytes. */
    private static final class EarlierVectorStates extends KeyedProcessFunction<String, SplitDocument, EmbeddedDocument> {

        @Override
        public void processElement(SplitDocument doc, Context ctx, Collector<EmbeddedDocument> out) throws Exception {
            MapState<String, float[]> floats = getRuntimeContext().getMapState(new MapStateDescriptor<>("unit-vectors",
                    Types.STRING, PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
            MapState<String, byte[]> bytes = getRuntimeContext().getMapState(new MapStateDescriptor<>("unit-vector-bytes",
                    Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
            for (Unit unit : doc.units()) {
                String key = ContentHash.of(HashEmbedder.PRESET.fingerprint(), unit.embeddingInput());
                floats.put(key, HashEmbedder.vectorOf(unit.text()));
                bytes.put(key, new byte[16]);
            }
        }
    }

    @Test
    void aLargeDocumentIsNeverSplitAcrossOutputs() throws Exception {
        EmbedderFactory smallBatches = slot -> new HashEmbedder() {
            @Override
            public Batching batching() {
                return new Batching(3, 1_000); // 25 units: nine calls
            }
        };
        try (var h = harness(smallBatches)) {
            h.open();
            String[] paragraphs = IntStream.range(0, 25).mapToObj(i -> "paragraph " + i).toArray(String[]::new);
            h.processElement1(new StreamRecord<>(doc("big", paragraphs)));
            settle(h);
            assertThat(HashEmbedder.CALLS).hasSizeGreaterThanOrEqualTo(9);
            List<EmbeddedDocument> out = emitted(h);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).units()).extracting(u -> u.unit().text()).containsExactly(paragraphs);
        }
    }

    /**
     * The lanes' ordering rule: a bulk change produced before an API write of the same document but
     * delivered after it (queued behind an export) is stale. Without {@link io.semdex.core.LastWriteWins}
     * the bulk version, arriving last, would be what the index keeps.
     */
    @Test
    void theWriteAcceptedLastWinsWhicheverLaneDeliversItFirst() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement2(new StreamRecord<>(doc("price", 2_000, "price 59.90, corrected by hand")));
            settle(h);
            h.processElement1(new StreamRecord<>(doc("price", 1_000, "price 99.90 from the nightly catalog")));
            settle(h);
            assertThat(emitted(h)).extracting(d -> d.units().get(0).unit().text()).containsExactly("price 59.90, corrected by hand");
            assertThat(((EmbedOperator) h.getOperator()).staleIgnored()).isEqualTo(1);

            // And the other way round: a later bulk change overrides an earlier API write.
            h.processElement1(new StreamRecord<>(doc("price", 3_000, "price 49.90 from the next catalog")));
            settle(h);
            assertThat(emitted(h)).extracting(d -> d.units().get(0).unit().text()).last().isEqualTo("price 49.90 from the next catalog");
        }
    }

    @Test
    void aDeleteOnTheOtherLaneAcceptedLaterWinsOverAnUpsertStillWaitingForTheModel() throws Exception {
        GatedEmbedder.reset();
        try (var h = harness(slot -> new GatedEmbedder())) {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", 1_000, "SLOW text")));
            GatedEmbedder.awaitSlowCall();
            h.processElement2(new StreamRecord<>(new SplitDocument("a", 0, true, List.of(), origin("a", 2_000))));
            GatedEmbedder.open();
            settle(h);
            // The upsert was superseded while it waited: only the delete leaves, so it is what the sink keeps.
            assertThat(emitted(h)).extracting(EmbeddedDocument::deleted).containsExactly(true);
        }
    }
}
