package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.SplitDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Model calls run off the task thread and checkpoints do not wait for them: the task thread goes on
 * while a call runs, an interactive document goes beside the bulk calls and before the bulk backlog, a
 * checkpoint barrier gets in while the bulk input waits for the model, and one passes while a call is in flight, the snapshot holding every document not yet emitted, which a
 * restore embeds and emits once. A stand-in model that holds any call with a {@code SLOW} text
 * until the test opens the gate makes the order of events certain without timing.
 */
@SuppressWarnings("try")
class EmbedOperatorOverlapTest {

    @BeforeEach
    void reset() {
        GatedEmbedder.reset();
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> harness() throws Exception {
        return harness(new QueuePolicy(1_000));
    }

    /** The operator on a gated stand-in model with one bulk worker (and the interactive lane's own). */
    private static KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> harness(QueuePolicy queue)
            throws Exception {
        EmbedOperator operator = new EmbedOperator(slot -> new GatedEmbedder(1), HashEmbedder.PRESET.fingerprint(), queue);
        return new KeyedTwoInputStreamOperatorTestHarness<>(operator, SplitDocument::docId, SplitDocument::docId, Types.STRING);
    }

    /** Runs the operator's mails on this (the task) thread until {@code id} has been emitted; fails after a minute. */
    private static void awaitEmitted(KeyedTwoInputStreamOperatorTestHarness<String, SplitDocument, SplitDocument, EmbeddedDocument> h,
            String id) throws Exception {
        MailboxExecutor mails = ((EmbedOperator) h.getOperator()).getContainingTask().getMailboxExecutorFactory()
                .createExecutor(TaskMailbox.MIN_PRIORITY);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!EmbedOperatorTest.ids(h).contains(id) && System.nanoTime() < deadline) {
            if (!mails.tryYield()) {
                Thread.sleep(5);
            }
        }
        assertThat(EmbedOperatorTest.ids(h)).as("emitted within a minute").contains(id);
    }

    private static List<String> calls() {
        List<String> calls = new ArrayList<>();
        HashEmbedder.CALLS.forEach(c -> calls.add(String.join("|", c)));
        return calls;
    }

    /**
     * The test of the interactive lane's own worker: a document written through the API is embedded and emitted
     * while the bulk call that was running when it came is still held; without that worker it would wait for it.
     */
    @Test
    void anInteractiveDocumentDoesNotWaitForTheBulkCallRunningWhenItComesNorForTheBulkBacklog() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("a", "SLOW first")));
            GatedEmbedder.awaitSlowCall();
            // The model holds "a"; the task thread still takes the next documents in.
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("b", "bulk second")));
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("c", "bulk third")));
            h.processElement2(new StreamRecord<>(EmbedOperatorTest.doc("api", "posted through the API")));
            awaitEmitted(h, "api");
            assertThat(EmbedOperatorTest.ids(h)).containsExactly("api");
            assertThat(calls()).containsExactly("posted through the API");
            GatedEmbedder.open();
            EmbedOperatorTest.settle(h);
            assertThat(EmbedOperatorTest.ids(h)).containsExactly("api", "a", "b", "c");
            assertThat(calls()).containsExactly("posted through the API", "SLOW first", "bulk second|bulk third");
        }
    }

    /**
     * The test of the bulk lane's wait: while the bulk input waits for the model, a checkpoint barrier still gets
     * in. Flink's input gate hands an unaligned barrier to the task as a mail at the mailbox's lowest priority (as
     * here); yielding only to the operator's own mails, the wait kept it out until a model call ended, and each
     * checkpoint under a bulk load took as long as a call.
     */
    @Test
    void aCheckpointBarrierGetsInWhileTheBulkInputWaitsForTheModel() throws Exception {
        OperatorSubtaskState[] snapshot = new OperatorSubtaskState[1];
        int[] pendingAtBarrier = {-1};
        try (var h = harness(new QueuePolicy(2))) {
            h.open();
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("a", "SLOW first")));
            GatedEmbedder.awaitSlowCall(); // the bulk worker is held: the two units of "b" fill the bulk lane, and its input waits
            EmbedOperator operator = (EmbedOperator) h.getOperator();
            operator.getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY).execute(() -> {
                h.prepareSnapshotPreBarrier(1);
                snapshot[0] = h.snapshot(1, 10);
                pendingAtBarrier[0] = operator.pendingDocuments();
                GatedEmbedder.open();
            }, "checkpoint barrier");
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("b", "second", "third"))); // returns once the model takes "b"
            assertThat(pendingAtBarrier[0]).as("documents held by the checkpoint taken during the wait").isEqualTo(2);
            EmbedOperatorTest.settle(h);
            assertThat(EmbedOperatorTest.ids(h)).containsExactly("a", "b");
        }
        HashEmbedder.CALLS.clear();
        try (var restored = harness()) {
            restored.initializeState(snapshot[0]);
            restored.open();
            EmbedOperatorTest.settle(restored);
            assertThat(EmbedOperatorTest.ids(restored)).containsExactlyInAnyOrder("a", "b");
        }
    }

    /**
     * The test of the state-held pending work: without it, the snapshot taken while "a" is in the
     * model and "b" and "c" wait would hold nothing, and the restored operator would emit nothing;
     * with the old drain at the barrier, {@code prepareSnapshotPreBarrier} would not return until
     * the gate opened.
     */
    @Test
    void aBarrierPassesWhileACallIsInFlightAndTheSnapshotHoldsWhatARestoreEmbedsAndEmitsOnce() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("a", "SLOW first", "more")));
            GatedEmbedder.awaitSlowCall();
            h.processElement2(new StreamRecord<>(EmbedOperatorTest.doc("b", "second")));
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("c", "third")));
            h.prepareSnapshotPreBarrier(1); // returns at once: the call of "a" is still held by the gate
            snapshot = h.snapshot(1, 10);
            assertThat(EmbedOperatorTest.ids(h)).isEmpty();
            assertThat(((EmbedOperator) h.getOperator()).pendingDocuments()).isEqualTo(3);
            GatedEmbedder.open(); // the call ends after the snapshot; the task fails before its result is emitted
        }
        HashEmbedder.CALLS.clear();
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            EmbedOperatorTest.settle(restored);
            assertThat(EmbedOperatorTest.ids(restored)).containsExactlyInAnyOrder("a", "b", "c");
            assertThat(EmbedOperatorTest.emitted(restored).stream().filter(d -> d.docId().equals("a")).findFirst().orElseThrow().units())
                    .extracting(u -> u.unit().text()).containsExactly("SLOW first", "more");
            assertThat(String.join("|", calls())).contains("SLOW first", "more", "second", "third");
        }
    }

    /**
     * A version superseded while its call runs is not held: the delete (or newer version) that
     * superseded it left before the barrier, so after a restore nothing newer would come to stop it,
     * and the old version would be indexed over the delete.
     */
    @Test
    void aVersionSupersededWhileItsCallRunsIsNotHeldAndARestoreDoesNotBringItBack() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("a", 1_000, "SLOW old version")));
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("b", 1_000, "SLOW old version of b")));
            GatedEmbedder.awaitSlowCall();
            h.processElement2(new StreamRecord<>(new SplitDocument("a", 0, true, List.of(), EmbedOperatorTest.origin("a", 2_000))));
            h.processElement2(new StreamRecord<>(EmbedOperatorTest.doc("b", 2_000, "new version of b")));
            // The delete of "a" left at once (it needs no model); the new "b" needs a call, which waits behind the gate.
            h.prepareSnapshotPreBarrier(1);
            snapshot = h.snapshot(1, 10);
            assertThat(EmbedOperatorTest.emitted(h)).extracting(EmbeddedDocument::docId, EmbeddedDocument::deleted)
                    .containsExactly(tuple("a", true));
            GatedEmbedder.open();
        }
        HashEmbedder.CALLS.clear();
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            EmbedOperatorTest.settle(restored);
            // Only the newest version of "b" was held; the old "a" and the old "b" are gone with their superseded calls.
            assertThat(EmbedOperatorTest.emitted(restored)).hasSize(1).first().satisfies(d -> {
                assertThat(d.docId()).isEqualTo("b");
                assertThat(d.units()).extracting(u -> u.unit().text()).containsExactly("new version of b");
            });
        }
    }

    @Test
    void aDocumentEmittedBeforeTheBarrierIsNotHeldAndIsNotEmbeddedAgainAfterARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("a", "first")));
            EmbedOperatorTest.settle(h);
            h.processElement1(new StreamRecord<>(EmbedOperatorTest.doc("b", "SLOW second")));
            GatedEmbedder.awaitSlowCall();
            h.prepareSnapshotPreBarrier(1);
            snapshot = h.snapshot(1, 10);
            assertThat(EmbedOperatorTest.ids(h)).containsExactly("a");
            GatedEmbedder.open();
        }
        HashEmbedder.CALLS.clear();
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            EmbedOperatorTest.settle(restored);
            assertThat(EmbedOperatorTest.ids(restored)).containsExactly("b");
            assertThat(calls()).containsExactly("SLOW second");
        }
    }
}
