package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.SplitDocument;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the embedding operator contains a failing model call, on Flink's operator harness with a
 * stand-in model that fails on marked texts: the document at fault dead-lettered while the others
 * leave, transient failures retried and never dead-lettered, and a model or server at fault failing
 * the task with the cause reported, blaming no document.
 */
@SuppressWarnings("try")
class EmbedOperatorFaultsTest {

    /** Texts of every call to the stand-in model, successful or not. */
    static final ConcurrentLinkedQueue<List<String>> CALLS = new ConcurrentLinkedQueue<>();
    /** Calls still to fail transiently before the model answers again. */
    static final AtomicInteger TRANSIENT_FAILURES = new AtomicInteger();
    /** What the operator reported to its failure report. */
    static final ConcurrentLinkedQueue<String> REPORTED = new ConcurrentLinkedQueue<>();
    static volatile boolean failEverything;
    static volatile boolean nativeError;
    static volatile boolean unauthorized;

    @BeforeEach
    void reset() {
        CALLS.clear();
        REPORTED.clear();
        TRANSIENT_FAILURES.set(0);
        failEverything = false;
        nativeError = false;
        unauthorized = false;
        GatedEmbedder.reset();
    }

    /**
     * Fails a call holding a text with "POISON", answers NaN for "NAN", rejects every call as a
     * server refusing the key would when told to, holds a call with "SLOW" until the gate opens, and
     * otherwise embeds by hash. One worker, so calls run one after another.
     */
    private static final class FaultyEmbedder extends HashEmbedder {
        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            GatedEmbedder.hold(texts);
            EmbedOperatorFaultsTest.CALLS.add(List.copyOf(texts)); // this test's own record, not the hash model's
            if (nativeError) {
                throw new InternalError("scripted native failure"); // an OutOfMemoryError would take down the test JVM (JUnit rethrows it)
            }
            if (unauthorized) {
                throw new EnvironmentEmbeddingException("the embedding server http://127.0.0.1:1/v1 answered HTTP 401: invalid api key");
            }
            if (TRANSIENT_FAILURES.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new TransientEmbeddingException("HTTP 503: scripted");
            }
            List<float[]> out = new ArrayList<>();
            for (String t : texts) {
                if (failEverything && !t.contains("SLOW") || t.contains("POISON")) {
                    throw new IllegalArgumentException("cannot run the model on '" + t + "'");
                }
                out.add(t.contains("NAN") ? new float[] {Float.NaN, 0, 0, 0} : HashEmbedder.vectorOf(t));
            }
            return out;
        }
    }

    /** Records what the operator reports. */
    private static final class Recording implements FailureReport {
        @Override
        public void failed(FailurePolicy.Blame blame, String cause) {
            REPORTED.add(blame + ": " + cause);
        }

        @Override
        public void cleared() {
            REPORTED.add("cleared");
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> harness(Duration budget)
            throws Exception {
        EmbedOperator operator = new EmbedOperator(slot -> new FaultyEmbedder(), HashEmbedder.PRESET.fingerprint(), new QueuePolicy(1_000),
                new FailurePolicy(budget, Duration.ofMillis(1)), new Recording(), null);
        return new KeyedTwoInputStreamOperatorTestHarness<>(operator, SplitDocument::docId, SplitDocument::docId, Types.STRING);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> harness() throws Exception {
        return harness(Duration.ofSeconds(30));
    }

    /** {@link EmbedOperatorTest#doc} as read from Kafka: with an origin, so that a dead letter carries its bytes. */
    static SplitDocument doc(String id, String... paragraphs) {
        return EmbedOperatorTest.doc(id, 1_000, paragraphs);
    }

    private static List<DeadLetter> deadLetters(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h) {
        List<DeadLetter> out = new ArrayList<>();
        var side = h.getSideOutput(EmbedOperator.DEAD_LETTERS);
        if (side != null) {
            side.forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    /** A failed task is closed, not finished: the harness's close() would wait for the failed documents again. */
    private static void closeAfterFailure(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h) {
        GatedEmbedder.open();
        try {
            h.getOperator().close();
        } catch (Throwable expected) {
            // the operator was failing anyway
        }
    }

    /** Holds the model with a document that succeeds, while {@code documents} are taken in: they then share one call. */
    private static void inOneCall(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h,
            List<SplitDocument> documents) throws Exception {
        h.processElement1(new StreamRecord<>(doc("warm-up", "SLOW warm-up")));
        GatedEmbedder.awaitSlowCall();
        for (SplitDocument d : documents) {
            h.processElement1(new StreamRecord<>(d));
        }
        GatedEmbedder.open();
    }

    @Test
    void aDocumentTheModelFailsOnIsDeadLetteredWhileTheOthersLeave() throws Exception {
        try (var h = harness()) {
            h.open();
            List<SplitDocument> docs = new ArrayList<>();
            for (String id : List.of("a", "b", "c", "d", "e", "f", "g")) {
                docs.add(id.equals("e") ? doc(id, "fine", "a POISON paragraph") : doc(id, "text of " + id));
            }
            inOneCall(h, docs);
            EmbedOperatorTest.settle(h);
            assertThat(EmbedOperatorTest.ids(h)).containsExactlyInAnyOrder("warm-up", "a", "b", "c", "d", "f", "g");
            List<DeadLetter> letters = deadLetters(h);
            assertThat(letters).hasSize(1);
            DeadLetter letter = letters.get(0);
            assertThat(letter.stage()).isEqualTo(DeadLetter.Stage.EMBED);
            assertThat(letter.reason()).contains("'e'").contains("cannot run the model on 'a POISON paragraph'");
            assertThat(new String(letter.origin().value(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"e\"}");
            assertThat(letter.origin().key()).isEqualTo("e".getBytes(StandardCharsets.UTF_8));
            assertThat(CALLS.size()).isLessThanOrEqualTo(1 + 1 + 2 * 3); // the warm-up, the call, then halves down to "e"
            assertThat(REPORTED).containsExactly("cleared");
        }
    }

    @Test
    void aDocumentWithANonFiniteVectorIsDeadLettered() throws Exception {
        try (var h = harness()) {
            h.open();
            inOneCall(h, List.of(doc("a", "one"), doc("b", "NAN here"), doc("c", "three")));
            EmbedOperatorTest.settle(h);
            assertThat(EmbedOperatorTest.ids(h)).containsExactlyInAnyOrder("warm-up", "a", "c");
            assertThat(deadLetters(h)).extracting(DeadLetter::reason).singleElement().asString().contains("NaN or infinite");
        }
    }

    @Test
    void transientFailuresAreRetriedAndNeverDeadLettered() throws Exception {
        TRANSIENT_FAILURES.set(2);
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", "one")));
            h.processElement1(new StreamRecord<>(doc("b", "two")));
            EmbedOperatorTest.settle(h);
            assertThat(EmbedOperatorTest.ids(h)).containsExactly("a", "b");
            assertThat(deadLetters(h)).isEmpty();
            assertThat(CALLS).containsExactly(List.of("one"), List.of("one"), List.of("one"), List.of("two"));
        }
    }

    @Test
    void transientFailuresThatOutlastTheRetryBudgetFailTheTaskAndDeadLetterNothing() throws Exception {
        TRANSIENT_FAILURES.set(1_000_000);
        var h = harness(Duration.ofMillis(200));
        try {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", "one")));
            h.processElement1(new StreamRecord<>(doc("b", "two")));
            assertThatThrownBy(() -> EmbedOperatorTest.settle(h))
                    .isInstanceOfSatisfying(FailurePolicy.EmbeddingFailure.class,
                            e -> assertThat(e.blame()).isEqualTo(FailurePolicy.Blame.TRANSIENT))
                    .hasMessageContaining("retry budget");
            assertThat(EmbedOperatorTest.ids(h)).isEmpty();
            assertThat(deadLetters(h)).isEmpty();
            assertThat(REPORTED).singleElement().asString().startsWith("TRANSIENT").contains("HTTP 503");
        } finally {
            closeAfterFailure(h);
        }
    }

    /** Issue 22, item 5: a rotated API key must not dead-letter real documents. */
    @Test
    void rejectedCredentialsFailTheTaskWithTheCauseReportedAndNoDocumentBlamed() throws Exception {
        unauthorized = true;
        var h = harness();
        try {
            h.open();
            for (String id : List.of("a", "b", "c", "d")) {
                h.processElement1(new StreamRecord<>(doc(id, "text of " + id)));
            }
            assertThatThrownBy(() -> EmbedOperatorTest.settle(h)).hasMessageContaining("HTTP 401");
            assertThat(EmbedOperatorTest.ids(h)).isEmpty();
            assertThat(deadLetters(h)).isEmpty();
            assertThat(CALLS).hasSize(1); // not split by document, not retried
            assertThat(REPORTED).singleElement().asString().startsWith("ENVIRONMENT").contains("HTTP 401");
        } finally {
            closeAfterFailure(h);
        }
    }

    @Test
    void aModelThatFailsOnEveryDocumentOfACallFailsTheTaskNotTheRecords() throws Exception {
        failEverything = true;
        var h = harness();
        try {
            h.open();
            inOneCall(h, List.of(doc("a", "text of a"), doc("b", "text of b"), doc("c", "text of c"), doc("d", "text of d")));
            assertThatThrownBy(() -> EmbedOperatorTest.settle(h))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("the model is at fault");
            assertThat(EmbedOperatorTest.ids(h)).containsExactly("warm-up");
            assertThat(deadLetters(h)).isEmpty();
            assertThat(REPORTED).last().asString().startsWith("ENVIRONMENT");
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
            for (int i = 1; i < FailurePolicy.MAX_CONSECUTIVE_FAILURES; i++) {
                h.processElement1(new StreamRecord<>(doc("d" + i, "text " + i)));
                EmbedOperatorTest.settle(h); // one document per call: each alone is a per-record failure
            }
            assertThat(deadLetters(h)).hasSize(FailurePolicy.MAX_CONSECUTIVE_FAILURES - 1);
            h.processElement1(new StreamRecord<>(doc("last", "text")));
            assertThatThrownBy(() -> EmbedOperatorTest.settle(h)).hasMessageContaining("in a row");
        } finally {
            closeAfterFailure(h);
        }
    }

    @Test
    void aSuccessInBetweenResetsTheRunOfFailures() throws Exception {
        try (var h = harness()) {
            h.open();
            for (int i = 0; i < 3 * FailurePolicy.MAX_CONSECUTIVE_FAILURES; i++) {
                h.processElement1(new StreamRecord<>(doc("bad" + i, "POISON " + i)));
                EmbedOperatorTest.settle(h);
                if (i % (FailurePolicy.MAX_CONSECUTIVE_FAILURES - 1) == 0) {
                    h.processElement1(new StreamRecord<>(doc("good" + i, "fine " + i)));
                    EmbedOperatorTest.settle(h);
                }
            }
            assertThat(deadLetters(h)).hasSize(3 * FailurePolicy.MAX_CONSECUTIVE_FAILURES);
        }
    }

    @Test
    void anErrorFailsTheTask() throws Exception {
        nativeError = true;
        var h = harness();
        try {
            h.open();
            h.processElement1(new StreamRecord<>(doc("a", "one")));
            assertThatThrownBy(() -> EmbedOperatorTest.settle(h)).isInstanceOf(InternalError.class);
            assertThat(deadLetters(h)).isEmpty();
        } finally {
            closeAfterFailure(h);
        }
    }
}
