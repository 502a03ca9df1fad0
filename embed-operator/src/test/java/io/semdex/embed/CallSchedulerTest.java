package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.Lane;
import io.semdex.embed.CallScheduler.Call;
import io.semdex.embed.CallScheduler.Part;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The embed stage's queue on its own: what goes into which call, and when a document is done. No Flink, no model. */
class CallSchedulerTest {

    /** Calls of at most 4 texts or 40 padded tokens. */
    private static final Batching SMALL = new Batching(4, 40);

    private static List<Part> parts(String doc, int... tokens) {
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            parts.add(new Part(i, doc + "#" + i, doc + " unit " + i, tokens[i]));
        }
        return parts;
    }

    private static List<String> owners(Call<String> call) {
        return call.items().stream().map(CallScheduler.Item::owner).distinct().toList();
    }

    @Test
    void anInteractiveDocumentGoesBeforeEveryBulkCallThatIsReady() {
        CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 1_000, 1);
        scheduler.add("bulk-1", Lane.BULK, parts("bulk-1", 5, 5, 5, 5));
        Call<String> running = scheduler.poll(); // the worker took the first bulk call
        for (int i = 2; i <= 5; i++) {
            scheduler.add("bulk-" + i, Lane.BULK, parts("bulk-" + i, 5, 5, 5, 5));
        }
        scheduler.add("api", Lane.INTERACTIVE, parts("api", 7));
        assertThat(owners(running)).containsExactly("bulk-1");
        Call<String> next = scheduler.poll();
        assertThat(next.lane()).isEqualTo(Lane.INTERACTIVE);
        assertThat(owners(next)).containsExactly("api");
    }

    @Test
    void eachCallIsOneBatchOfTheModelsSizeAndARoundIsSortedByLength() {
        CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 1_000, 1);
        scheduler.add("first", Lane.BULK, parts("first", 3)); // the idle worker takes it at once
        assertThat(owners(scheduler.poll())).containsExactly("first");
        scheduler.add("a", Lane.BULK, parts("a", 10, 2, 10, 2));
        scheduler.add("b", Lane.BULK, parts("b", 2, 10, 2, 10));
        List<Call<String>> calls = new ArrayList<>();
        for (Call<String> call = scheduler.poll(); call != null; call = scheduler.poll()) {
            calls.add(call);
        }
        assertThat(calls).hasSize(2);
        for (Call<String> call : calls) {
            int longest = call.items().stream().mapToInt(i -> i.part().tokens()).max().orElseThrow();
            assertThat(call.units()).isLessThanOrEqualTo(SMALL.maxBatchSize());
            assertThat(call.units() * longest).isLessThanOrEqualTo(SMALL.tokenBudget());
            // sorted: the long units of both documents share a call, the short ones another
            assertThat(call.items()).extracting(i -> i.part().tokens()).containsOnly(longest);
        }
    }

    @Test
    void theBulkLaneIsFullAtItsUnitBoundUntilAWorkerTakesACall() {
        CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 8, 1);
        scheduler.add("a", Lane.BULK, parts("a", 5, 5, 5, 5));
        Call<String> first = scheduler.poll();
        assertThat(scheduler.bulkFull()).isFalse();
        scheduler.add("b", Lane.BULK, parts("b", 5, 5, 5, 5));
        scheduler.add("c", Lane.BULK, parts("c", 5, 5, 5, 5));
        assertThat(scheduler.bulkFull()).isTrue();
        scheduler.add("api", Lane.INTERACTIVE, parts("api", 5, 5, 5, 5, 5, 5, 5, 5, 5)); // never held back
        assertThat(scheduler.bulkFull()).isTrue();
        assertThat(scheduler.poll().lane()).isEqualTo(Lane.INTERACTIVE);
        assertThat(scheduler.poll().lane()).isEqualTo(Lane.INTERACTIVE);
        assertThat(scheduler.poll().lane()).isEqualTo(Lane.INTERACTIVE);
        assertThat(scheduler.bulkFull()).isTrue();
        scheduler.poll();
        assertThat(scheduler.bulkFull()).isFalse();
        assertThat(first).isNotNull();
    }

    @Test
    void aFullBulkLaneWaitsForOneCallToBeTakenAndAtTwiceItsBoundForTheLaneToDrain() {
        CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 8, 1);
        scheduler.add("a", Lane.BULK, parts("a", 5, 5, 5, 5)); // the idle worker's round: one call of 4 units
        assertThat(scheduler.bulkMustWait(scheduler.bulkCallsTaken())).isFalse(); // 4 units held, bound 8
        scheduler.add("b", Lane.BULK, parts("b", 5, 5, 5, 5, 5, 5, 5, 5));
        long waitingSince = scheduler.bulkCallsTaken();
        assertThat(scheduler.bulkMustWait(waitingSince)).isTrue(); // 12 held, no call taken yet
        scheduler.poll();
        assertThat(scheduler.bulkFull()).isTrue(); // 8 held: still full,
        assertThat(scheduler.bulkMustWait(waitingSince)).isFalse(); // but one call was taken: the input reads on

        scheduler.add("c", Lane.BULK, parts("c", 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5)); // 20 held: over twice the bound
        waitingSince = scheduler.bulkCallsTaken();
        scheduler.poll();
        assertThat(scheduler.bulkMustWait(waitingSince)).isTrue(); // 16 held after a call: still twice the bound
        scheduler.poll();
        assertThat(scheduler.bulkMustWait(waitingSince)).isFalse(); // 12
        assertThat(scheduler.bulkCallsTaken()).isEqualTo(3);
    }

    @Test
    void aFloodOnTheInteractiveLaneIsBoundedLikeTheBulkLane() {
        CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 8, 1);
        scheduler.add("one", Lane.INTERACTIVE, parts("one", 5));
        assertThat(scheduler.interactiveFull()).isFalse();
        for (int i = 0; i < 7; i++) {
            scheduler.add("flood-" + i, Lane.INTERACTIVE, parts("flood-" + i, 5));
        }
        assertThat(scheduler.interactiveFull()).isTrue();
        scheduler.poll();
        assertThat(scheduler.interactiveFull()).isFalse();
    }

    @Test
    void aDocumentIsDoneWhenTheLastCallHoldingItsUnitsEndsWhateverTheOrder() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 10_000, 1 + random.nextInt(3));
            Set<String> added = new HashSet<>();
            List<Call<String>> running = new ArrayList<>();
            List<String> done = new ArrayList<>();
            for (int d = 0; d < 20; d++) {
                String doc = "doc-" + d;
                int[] tokens = random.ints(1 + random.nextInt(6), 1, 20).toArray();
                scheduler.add(doc, random.nextInt(4) == 0 ? Lane.INTERACTIVE : Lane.BULK, parts(doc, tokens));
                added.add(doc);
                while (random.nextBoolean()) {
                    Call<String> call = scheduler.poll();
                    if (call == null) {
                        break;
                    }
                    running.add(call);
                }
                while (!running.isEmpty() && random.nextBoolean()) {
                    done.addAll(scheduler.done(running.remove(random.nextInt(running.size()))));
                }
            }
            for (Call<String> call = scheduler.poll(); call != null; call = scheduler.poll()) {
                running.add(call);
            }
            while (!running.isEmpty()) {
                done.addAll(scheduler.done(running.remove(random.nextInt(running.size()))));
            }
            assertThat(done).doesNotHaveDuplicates();
            assertThat(new HashSet<>(done)).isEqualTo(added);
            assertThat(scheduler.documents()).isZero();
            assertThat(scheduler.running()).isZero();
        }
    }

    @Test
    void aWorkerWaitingForACallGetsOneAsSoonAsItIsAddedAndNullOnceClosed() throws Exception {
        CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 100, 1);
        List<Call<String>> taken = new ArrayList<>();
        Thread worker = Thread.ofPlatform().start(() -> {
            try {
                for (Call<String> call = scheduler.take(); call != null; call = scheduler.take()) {
                    synchronized (taken) {
                        taken.add(call);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        scheduler.add("a", Lane.INTERACTIVE, parts("a", 3));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            synchronized (taken) {
                if (!taken.isEmpty()) {
                    break;
                }
            }
            Thread.sleep(5);
        }
        scheduler.close();
        worker.join(10_000);
        assertThat(worker.isAlive()).isFalse();
        assertThat(taken).hasSize(1);
    }

    @Test
    void theInteractiveLanesOwnWorkerTakesOnlyInteractiveCallsAndNullOnceClosed() throws Exception {
        CallScheduler<String> scheduler = new CallScheduler<>(SMALL, 100, 1);
        scheduler.add("bulk", Lane.BULK, parts("bulk", 5));
        CompletableFuture<Call<String>> interactive = CompletableFuture.supplyAsync(() -> takeInteractive(scheduler));
        scheduler.add("api", Lane.INTERACTIVE, parts("api", 3));
        assertThat(owners(interactive.get(10, TimeUnit.SECONDS))).containsExactly("api");
        assertThat(owners(scheduler.poll())).containsExactly("bulk"); // left to the bulk workers
        CompletableFuture<Call<String>> afterClose = CompletableFuture.supplyAsync(() -> takeInteractive(scheduler));
        scheduler.close();
        assertThat(afterClose.get(10, TimeUnit.SECONDS)).isNull();
    }

    private static Call<String> takeInteractive(CallScheduler<String> scheduler) {
        try {
            return scheduler.takeInteractive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
