package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.SplitDocument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The embedding operator's model calls run off the task thread: the task thread goes on while a
 * call runs, batches leave in flush order whatever order their calls end in, and a checkpoint
 * barrier waits for every call in flight, so a snapshot never has one pending (nothing lost on a
 * failure, nothing embedded twice after a restore). A stand-in model that holds any call with a
 * {@code SLOW} text until the test opens the gate makes the order of events certain without timing.
 */
@SuppressWarnings("try")
class EmbedOperatorOverlapTest {

    /** One unit per batch: every document is flushed, and handed to the model, as it arrives. */
    private static final FlushPolicy EACH_DOCUMENT = new FlushPolicy(1, Duration.ofSeconds(60));

    static volatile CountDownLatch gate;
    static volatile CountDownLatch slowCallStarted;

    @BeforeEach
    void reset() {
        HashEmbedder.CALLS.clear();
        gate = new CountDownLatch(1);
        slowCallStarted = new CountDownLatch(1);
    }

    /** The hash model, holding a call with a {@code SLOW} text until the gate opens. */
    private static final class GatedEmbedder extends HashEmbedder {
        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            if (texts.stream().anyMatch(t -> t.contains("SLOW"))) {
                slowCallStarted.countDown();
                try {
                    if (!gate.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never opened the gate");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return super.embedDocuments(texts);
        }
    }


    private static KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> harness() throws Exception {
        EmbedOperator operator = new EmbedOperator(slot -> new GatedEmbedder(), HashEmbedder.PRESET.fingerprint(), EACH_DOCUMENT);
        return new KeyedOneInputStreamOperatorTestHarness<>(operator, SplitDocument::docId, Types.STRING);
    }

    private static List<String> emitted(KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> h) {
        List<String> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add(((EmbeddedDocument) r.getValue()).docId());
            }
        }
        return out;
    }

    @Test
    void theTaskThreadGoesOnWhileAModelCallRunsAndBatchesLeaveInFlushOrder() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(EmbedOperatorTest.doc("a", "SLOW first")));
            assertThat(slowCallStarted.await(60, TimeUnit.SECONDS)).isTrue();
            // The model holds "a"; the task thread still takes "b" and hands it to the model.
            h.processElement(new StreamRecord<>(EmbedOperatorTest.doc("b", "second")));
            assertThat(emitted(h)).isEmpty(); // "b" may be embedded already, but it never overtakes "a"
            gate.countDown();
            EmbedOperatorTest.settle(h);
            assertThat(emitted(h)).containsExactly("a", "b");
        }
    }

    @Test
    void aBarrierWaitsForTheCallsInFlightSoTheSnapshotHasNoneAndARestoreEmbedsNothingAgain() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(EmbedOperatorTest.doc("a", "SLOW first", "more")));
            h.processElement(new StreamRecord<>(EmbedOperatorTest.doc("b", "second")));
            assertThat(slowCallStarted.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(emitted(h)).isEmpty();
            Thread opener = Thread.ofPlatform().start(() -> gate.countDown());
            h.prepareSnapshotPreBarrier(1); // returns only when "a" and "b" have left
            assertThat(emitted(h)).containsExactly("a", "b");
            snapshot = h.snapshot(1, 10);
            opener.join();
            assertThat(emitted(h)).containsExactly("a", "b"); // the snapshot itself emits nothing
        }
        HashEmbedder.CALLS.clear();
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            // The replay after the checkpoint: both documents again, unchanged. Their vectors are in
            // the snapshot, so they leave again (the sink replaces them) without a model call.
            restored.processElement(new StreamRecord<>(EmbedOperatorTest.doc("a", "SLOW first", "more")));
            restored.processElement(new StreamRecord<>(EmbedOperatorTest.doc("b", "second")));
            restored.endInput();
            assertThat(emitted(restored)).containsExactly("a", "b");
            assertThat(HashEmbedder.CALLS).isEmpty();
        }
    }
}
