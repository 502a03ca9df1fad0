package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.RecordOrigin;
import io.semdex.core.SplitDocument;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the embedding operator contains a failing model call, on Flink's operator harness with a
 * stand-in model that fails on marked texts: bisection down to the documents at fault, transient
 * failures retried and never dead-lettered, and a model that fails on everything failing the task.
 */
@SuppressWarnings("try")
class EmbedOperatorFaultsTest {

    private static final FlushPolicy POLICY = new FlushPolicy(1_000, Duration.ofSeconds(60));

    /** Texts of every call to the stand-in model, successful or not. */
    static final ConcurrentLinkedQueue<List<String>> CALLS = new ConcurrentLinkedQueue<>();
    /** Calls still to fail transiently before the model answers again. */
    static final AtomicInteger TRANSIENT_FAILURES = new AtomicInteger();
    static volatile boolean failEverything;
    static volatile boolean nativeError;

    @BeforeEach
    void reset() {
        CALLS.clear();
        TRANSIENT_FAILURES.set(0);
        failEverything = false;
        nativeError = false;
    }

    /** Fails a call holding a text with "POISON", answers NaN for "NAN", and otherwise embeds by hash. */
    private static final class FaultyEmbedder extends HashEmbedder {
        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            EmbedOperatorFaultsTest.CALLS.add(List.copyOf(texts)); // this test's own record, not the hash model's
            if (nativeError) {
                throw new InternalError("scripted native failure"); // an OutOfMemoryError would take down the test JVM (JUnit rethrows it)
            }
            if (TRANSIENT_FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new TransientEmbeddingException("HTTP 503: scripted");
            }
            List<float[]> out = new ArrayList<>();
            for (String t : texts) {
                if (failEverything || t.contains("POISON")) {
                    throw new IllegalArgumentException("cannot run the model on '" + t + "'");
                }
                out.add(t.contains("NAN") ? new float[] {Float.NaN, 0, 0, 0} : HashEmbedder.vectorOf(t));
            }
            return out;
        }
    }


    private static KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> harness() throws Exception {
        EmbedOperator operator = new EmbedOperator(slot -> new FaultyEmbedder(), HashEmbedder.PRESET.fingerprint(), POLICY, 3, 1);
        return new KeyedOneInputStreamOperatorTestHarness<>(operator, SplitDocument::docId, Types.STRING);
    }

    /** {@link EmbedOperatorTest#doc} as read from Kafka: with an origin, so that a dead letter carries its bytes. */
    static SplitDocument doc(String id, String... paragraphs) {
        byte[] value = ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
        return new SplitDocument(id, 0, false, EmbedOperatorTest.doc(id, paragraphs).units(),
                new RecordOrigin(id.getBytes(StandardCharsets.UTF_8), value, "documents", 0, id.hashCode() & 0xffff));
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

    private static List<DeadLetter> deadLetters(KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> h) {
        List<DeadLetter> out = new ArrayList<>();
        var side = h.getSideOutput(EmbedOperator.DEAD_LETTERS);
        if (side != null) {
            side.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    /** A failed task is closed, not finished: the harness's close() would flush the failed batch again. */
    private static void closeAfterFailure(KeyedOneInputStreamOperatorTestHarness<String, SplitDocument, EmbeddedDocument> h) {
        try {
            h.close();
        } catch (Throwable expected) {
            // the same failure once more, from finish()
        }
    }

    @Test
    void aDocumentTheModelFailsOnIsFoundByBisectionAndDeadLetteredWhileTheOthersLeaveInOrder() throws Exception {
        try (var h = harness()) {
            h.open();
            for (String id : List.of("a", "b", "c", "d", "e", "f", "g")) {
                h.processElement(new StreamRecord<>(id.equals("e") ? doc(id, "fine", "a POISON paragraph") : doc(id, "text of " + id)));
            }
            h.prepareSnapshotPreBarrier(1);
            assertThat(emitted(h)).containsExactly("a", "b", "c", "d", "f", "g");
            List<DeadLetter> letters = deadLetters(h);
            assertThat(letters).hasSize(1);
            DeadLetter letter = letters.get(0);
            assertThat(letter.stage()).isEqualTo(DeadLetter.Stage.EMBED);
            assertThat(letter.reason()).contains("'e'").contains("cannot run the model on 'a POISON paragraph'");
            assertThat(new String(letter.origin().value(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"e\"}");
            assertThat(letter.origin().key()).isEqualTo("e".getBytes(StandardCharsets.UTF_8));
            // One call for the batch, then halves down to "e" alone: far fewer calls than one per document.
            assertThat(CALLS.size()).isLessThanOrEqualTo(1 + 2 * 3);
            assertThat(CALLS.stream().filter(c -> c.contains("a POISON paragraph")).mapToInt(c -> c.size()).min().getAsInt())
                    .isEqualTo(2); // "e" alone, both its paragraphs
        }
    }

    @Test
    void aDocumentWithANonFiniteVectorIsDeadLettered() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one")));
            h.processElement(new StreamRecord<>(doc("b", "NAN here")));
            h.processElement(new StreamRecord<>(doc("c", "three")));
            h.prepareSnapshotPreBarrier(1);
            assertThat(emitted(h)).containsExactly("a", "c");
            assertThat(deadLetters(h)).extracting(DeadLetter::reason).singleElement().asString().contains("NaN or infinite");
        }
    }

    @Test
    void transientFailuresAreRetriedAndNeverDeadLettered() throws Exception {
        TRANSIENT_FAILURES.set(2);
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one")));
            h.processElement(new StreamRecord<>(doc("b", "two")));
            h.prepareSnapshotPreBarrier(1);
            assertThat(emitted(h)).containsExactly("a", "b");
            assertThat(deadLetters(h)).isEmpty();
            assertThat(CALLS).hasSize(3); // two transient failures, then the same batch whole
        }
    }

    @Test
    void transientFailuresThatOutlastTheRetriesFailTheTaskAndDeadLetterNothing() throws Exception {
        TRANSIENT_FAILURES.set(100);
        var h = harness();
        try {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one")));
            h.processElement(new StreamRecord<>(doc("b", "two")));
            assertThatThrownBy(() -> h.prepareSnapshotPreBarrier(1)).isInstanceOf(TransientEmbeddingException.class);
            assertThat(emitted(h)).isEmpty();
            assertThat(deadLetters(h)).isEmpty();
            assertThat(CALLS).hasSize(3).allMatch(c -> c.size() == 2); // never bisected
        } finally {
            closeAfterFailure(h);
        }
    }

    @Test
    void aModelThatFailsOnEveryDocumentOfABatchFailsTheTaskNotTheRecords() throws Exception {
        failEverything = true;
        var h = harness();
        try {
            h.open();
            for (String id : List.of("a", "b", "c", "d")) {
                h.processElement(new StreamRecord<>(doc(id, "text of " + id)));
            }
            assertThatThrownBy(() -> h.prepareSnapshotPreBarrier(1))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("the model is at fault");
            assertThat(emitted(h)).isEmpty();
            assertThat(deadLetters(h)).isEmpty();
        } finally {
            closeAfterFailure(h);
        }
    }

    @Test
    void failingDocumentsInARowWithNoneSucceedingFailTheTask() throws Exception {
        failEverything = true;
        var h = harness();
        try {
            h.open();
            for (int i = 1; i < EmbedOperator.MAX_CONSECUTIVE_FAILURES; i++) {
                h.processElement(new StreamRecord<>(doc("d" + i, "text " + i)));
                h.prepareSnapshotPreBarrier(i); // one document per batch: each alone is a per-record failure
            }
            assertThat(deadLetters(h)).hasSize(EmbedOperator.MAX_CONSECUTIVE_FAILURES - 1);
            h.processElement(new StreamRecord<>(doc("last", "text")));
            assertThatThrownBy(() -> h.prepareSnapshotPreBarrier(99)).hasMessageContaining("in a row");
        } finally {
            closeAfterFailure(h);
        }
    }

    @Test
    void aSuccessInBetweenResetsTheRunOfFailures() throws Exception {
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 3 * EmbedOperator.MAX_CONSECUTIVE_FAILURES; i++) {
                h.processElement(new StreamRecord<>(doc("bad" + i, "POISON " + i)));
                h.prepareSnapshotPreBarrier(2L * i);
                if (i % (EmbedOperator.MAX_CONSECUTIVE_FAILURES - 1) == 0) {
                    h.processElement(new StreamRecord<>(doc("good" + i, "fine " + i)));
                    h.prepareSnapshotPreBarrier(2L * i + 1);
                }
            }
            assertThat(deadLetters(h)).hasSize(3 * EmbedOperator.MAX_CONSECUTIVE_FAILURES);
        }
    }

    @Test
    void anErrorFailsTheTask() throws Exception {
        nativeError = true;
        var h = harness();
        try {
            h.open();
            h.processElement(new StreamRecord<>(doc("a", "one")));
            assertThatThrownBy(() -> h.prepareSnapshotPreBarrier(1)).isInstanceOf(InternalError.class);
            assertThat(deadLetters(h)).isEmpty();
        } finally {
            closeAfterFailure(h);
        }
    }

    @Test
    void timeoutsAndConnectionErrorsAreTransientButABadRequestIsNot() {
        assertThat(EmbedOperator.isTransient(new IllegalStateException("wrapped", new java.net.http.HttpTimeoutException("slow")))).isTrue();
        assertThat(EmbedOperator.isTransient(new java.io.UncheckedIOException(new java.net.ConnectException("refused")))).isTrue();
        assertThat(EmbedOperator.isTransient(new TransientEmbeddingException("HTTP 429"))).isTrue();
        assertThat(EmbedOperator.isTransient(new IllegalStateException("HTTP 400: input too long"))).isFalse();
    }
}
