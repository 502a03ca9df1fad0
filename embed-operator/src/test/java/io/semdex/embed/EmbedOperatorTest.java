package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.ContentHash;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.SplitDocument;
import io.semdex.core.Unit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedding operator on Flink's own operator harness (real keyed state backend, processing-time
 * service and checkpoint calls), with a hash-based stand-in model: what is proven here is buffering,
 * flushing and reuse, not vector quality.
 */
@SuppressWarnings("try") // the harness's close() may throw InterruptedException; these tests run on one thread
class EmbedOperatorTest {

    private static final FlushPolicy POLICY = new FlushPolicy(10, Duration.ofMillis(100));

    @BeforeEach
    void clearCalls() {
        HashEmbedder.CALLS.clear();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> harness(FlushPolicy policy)
            throws Exception {
        EmbedOperator operator = new EmbedOperator(HashEmbedder.factory(), HashEmbedder.PRESET.fingerprint(), policy);
        return new KeyedOneInputStreamOperatorTestHarness<>(operator, SplitDocument::docId, Types.STRING);
    }

    static SplitDocument doc(String id, String... paragraphs) {
        List<Unit> units = new ArrayList<>();
        for (int i = 0; i < paragraphs.length; i++) {
            units.add(new Unit(Unit.idOf(id, i), id, i, paragraphs[i], List.of(), null, null, null, null, null,
                    ContentHash.of(paragraphs[i])));
        }
        return new SplitDocument(id, 0, false, units);
    }

    private static List<EmbeddedDocument> emitted(KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> h) {
        List<EmbeddedDocument> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((EmbeddedDocument) r.getValue());
            }
        }
        return out;
    }

    /** Waits for the model calls in flight and lets their documents leave: a flush only hands a batch to the model. */
    static void settle(KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> h) throws Exception {
        ((EmbedOperator) h.getOperator()).awaitInFlight();
    }

    @Test
    void documentsWaitForABatchAndLeaveWholeWithEveryUnitsVector() throws Exception {
        try (var h = harness(POLICY)) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one", "two", "three")));
            h.processElement(new StreamRecord<>(doc("b", "four", "five")));
            assertThat(emitted(h)).isEmpty();
            h.processElement(new StreamRecord<>(doc("c", "6", "7", "8", "9", "10")));  // 10 units: a flush by size
            settle(h);
            List<EmbeddedDocument> out = emitted(h);
            assertThat(out).extracting(EmbeddedDocument::docId).containsExactly("a", "b", "c");
            assertThat(HashEmbedder.CALLS).hasSize(1); // one model call for the three documents
            EmbeddedDocument a = out.get(0);
            assertThat(a.units()).extracting(u -> u.unit().text()).containsExactly("one", "two", "three");
            for (EmbeddedUnit u : a.units()) {
                assertThat(u.vector()).containsExactly(HashEmbedder.vectorOf(u.unit().text()));
            }
        }
    }

    @Test
    void theBufferIsFlushedAfterTheMaximumDelay() throws Exception {
        try (var h = harness(POLICY)) {
            h.open();
            h.setProcessingTime(1_000);
            h.processElement(new StreamRecord<>(doc("a", "one")));
            h.setProcessingTime(1_099);
            assertThat(emitted(h)).isEmpty();
            h.setProcessingTime(1_100);
            settle(h);
            assertThat(emitted(h)).extracting(EmbeddedDocument::docId).containsExactly("a");
        }
    }

    @Test
    void everythingBufferedLeavesBeforeTheCheckpointBarrierAndTheSnapshotHoldsNoUnits() throws Exception {
        try (var h = harness(POLICY)) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one", "two")));
            h.processElement(new StreamRecord<>(doc("b", "three")));
            h.prepareSnapshotPreBarrier(1);
            assertThat(emitted(h)).extracting(EmbeddedDocument::docId).containsExactly("a", "b");
            h.snapshot(1, 10);
            assertThat(emitted(h)).hasSize(2);
        }
    }

    @Test
    void endOfInputFlushes() throws Exception {
        try (var h = harness(POLICY)) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one")));
            h.endInput();
            assertThat(emitted(h)).extracting(EmbeddedDocument::docId).containsExactly("a");
        }
    }

    @Test
    void editingOneParagraphEmbedsOnlyThatParagraphAndTheCountersSaySo() throws Exception {
        try (var h = harness(POLICY)) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "intro", "body", "outro")));
            h.prepareSnapshotPreBarrier(1);
            HashEmbedder.CALLS.clear();
            h.processElement(new StreamRecord<>(doc("a", "intro", "body, edited", "outro")));
            h.prepareSnapshotPreBarrier(2);
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
        try (var h = harness(POLICY)) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one", "two")));
            h.endInput();
            HashEmbedder.CALLS.clear();
            h.processElement(new StreamRecord<>(doc("a", "one", "two")));
            h.processElement(new StreamRecord<>(SplitDocument.delete("a")));
            assertThat(HashEmbedder.CALLS).isEmpty();
            assertThat(emitted(h)).extracting(EmbeddedDocument::deleted).containsExactly(false, false, true);
            // After the delete nothing is stored for reuse: a re-add embeds again.
            h.processElement(new StreamRecord<>(doc("a", "one", "two")));
            h.endInput();
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("one", "two"));
        }
    }

    @Test
    void versionsOfOneDocumentLeaveInArrivalOrderAndShareWorkInOneFlush() throws Exception {
        try (var h = harness(POLICY)) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one", "two")));
            h.processElement(new StreamRecord<>(SplitDocument.delete("a")));
            h.processElement(new StreamRecord<>(doc("a", "two", "three")));
            h.endInput();
            assertThat(emitted(h)).extracting(d -> d.deleted() ? "delete" : d.units().size() + " units")
                    .containsExactly("2 units", "delete", "2 units");
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("one", "two", "three")); // "two" once
        }
    }

    @Test
    void storedVectorsSurviveARestoreFromACheckpoint() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(POLICY)) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "intro", "body")));
            h.prepareSnapshotPreBarrier(1);
            snapshot = h.snapshot(1, 10);
        }
        HashEmbedder.CALLS.clear();
        try (var restored = harness(POLICY)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(new StreamRecord<>(doc("a", "intro", "body", "new ending")));
            restored.endInput();
            assertThat(HashEmbedder.CALLS).containsExactly(List.of("new ending"));
        }
    }

    @Test
    void aLargeDocumentIsNeverSplitAcrossOutputs() throws Exception {
        try (var h = harness(new FlushPolicy(3, Duration.ofMillis(100)))) {
            h.open();
            String[] paragraphs = IntStream.range(0, 25).mapToObj(i -> "paragraph " + i).toArray(String[]::new);
            h.processElement(new StreamRecord<>(doc("big", paragraphs)));
            settle(h);
            List<EmbeddedDocument> out = emitted(h);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).units()).hasSize(25);
        }
    }
}
