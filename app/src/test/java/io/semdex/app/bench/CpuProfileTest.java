package io.semdex.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** CPU time by thread group: pools and Flink subtasks count as one line, and a busy thread shows. */
class CpuProfileTest {

    @Test
    void poolThreadsAndSubtasksOfOneChainAreOneGroup() {
        assertThat(CpuProfile.group("semdex-embed-bge-small-zh-v1.5")).isEqualTo("semdex-embed-bge-small-zh-v1.5");
        assertThat(CpuProfile.group("kafka-producer-network-thread | producer-1")).isEqualTo("kafka-producer-network-thread | producer");
        assertThat(CpuProfile.group("embed: bge-small-zh-v1.5 -> index check (2/2)#0")).isEqualTo("embed: bge-small-zh-v1.5 -> index check");
        assertThat(CpuProfile.group("semdex-embed-calls embed: bge (1/2)#3")).isEqualTo("semdex-embed-calls embed: bge");
    }

    @Test
    void aThreadThatBurnsCpuIsCountedUnderItsGroup() throws Exception {
        CpuProfile profile = CpuProfile.start();
        CountDownLatch burnt = new CountDownLatch(1);
        CountDownLatch read = new CountDownLatch(1);
        Thread busy = Thread.ofPlatform().name("busy-worker-7").start(() -> {
            long end = System.nanoTime() + 300_000_000L;
            double x = 0;
            while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
            }
            burnt.countDown();
            try {
                read.await(); // alive until the profile's last reading
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        burnt.await();
        CpuProfile.Breakdown where = profile.stop();
        read.countDown();
        busy.join();
        assertThat(where.threads()).containsKey("busy-worker");
        assertThat(where.threads().get("busy-worker")).isPositive();
        assertThat(where.processSeconds()).isGreaterThanOrEqualTo(where.threads().get("busy-worker"));
    }

    @Test
    void threadsAreSummedByComponentAndTheJvmsOwnFiguresAreCappedByWhatNoJavaThreadHolds() {
        assertThat(CpuProfile.Component.of("semdex-embed-calls embed: bge")).isEqualTo(CpuProfile.Component.MODEL);
        assertThat(CpuProfile.Component.of("data-plane-kafka-request-handler")).isEqualTo(CpuProfile.Component.KAFKA);
        assertThat(CpuProfile.Component.of("Source Data Fetcher for Source: kafka: documents -> parse")).isEqualTo(CpuProfile.Component.KAFKA);
        assertThat(CpuProfile.Component.of("drop stale versions -> split")).isEqualTo(CpuProfile.Component.TASKS);
        assertThat(CpuProfile.Component.of("AsyncOperations-thread")).isEqualTo(CpuProfile.Component.CHECKPOINTS);
        assertThat(CpuProfile.Component.of("flink-pekko.actor.default-dispatcher")).isEqualTo(CpuProfile.Component.FLINK);
        assertThat(CpuProfile.Component.of("Lucene Merge Thread")).isEqualTo(CpuProfile.Component.MERGES);

        var where = new CpuProfile.Breakdown(10, java.util.Map.of("semdex-embed-calls embed: bge", 6.0, "kafka-scheduler", 1.0,
                CpuProfile.OUTSIDE_JAVA_THREADS, 3.0), 2.5, 4.0);
        var by = where.components();
        assertThat(by.get(CpuProfile.Component.MODEL)).isEqualTo(6.0);
        assertThat(by.get(CpuProfile.Component.KAFKA)).isEqualTo(1.0);
        assertThat(by.get(CpuProfile.Component.JIT)).isEqualTo(2.5);
        assertThat(by.get(CpuProfile.Component.GC)).isEqualTo(0.5); // what is left of the 3 s outside Java threads
        assertThat(by.get(CpuProfile.Component.OTHER)).isZero();
        assertThat(by.values().stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(10.0);
    }
}
