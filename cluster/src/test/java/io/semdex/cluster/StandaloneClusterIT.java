package io.semdex.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.app.EmbeddedKafka;
import io.semdex.app.Semdex;
import io.semdex.core.DirectoryTree;
import io.semdex.core.Generation;
import io.semdex.core.Handoff;
import io.semdex.core.IndexLayout;
import io.semdex.core.Manifest;
import io.semdex.embed.Qwen3Fixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The job jar on a real standalone Flink cluster: a JobManager and two TaskManagers as separate
 * JVM processes (one slot and one discovered GPU each), a KRaft broker in this JVM, the job
 * submitted with Flink's CLI front end. While changes stream in, one TaskManager is killed with
 * SIGKILL and a replacement started; the job must restore its checkpoint and the published index
 * must end exactly right: every live document once, at its latest version, deletes applied. Then
 * the job is stopped with a savepoint ({@code semdex-flink stop --savepointPath}) and resubmitted
 * from it ({@code run -d -s}); documents produced meanwhile must be indexed once, nothing twice.
 * Then a batch reindex rebuilds the topic into {@code gen-2}. Last, the model is switched without
 * downtime as docs/cluster.md says: a hand-off builds {@code gen-3} with another model while a
 * streaming job keeps {@code gen-2} fresh, a catch-up job takes over, and {@code semdex switch}
 * moves CURRENT.
 *
 * <p>Logs of every process go to {@code target/cluster-it/logs/}; the measured times to
 * {@code target/cluster-it/figures.txt}.
 */
class StandaloneClusterIT {

    static final int FIRST_LOAD = 300;
    static final int CHANGES = 300;
    static final int NEW_DURING_CHANGES = 60;
    static final int NEW_AFTER_RESTART = 20;
    static final long SEED = 42;
    /** The model on the CPU: the TaskManagers' GPUs are discovered (and logged per slot), but there is no CUDA here. */
    static final String MODEL = "bge-small-zh-v1.5?device=cpu";

    @Test
    void theJobRecoversFromTheLossOfATaskManagerAndTheIndexEndsExactlyRight() throws Exception {
        Path dist = Path.of(System.getProperty("semdex.flink.dist", "target/flink")).toAbsolutePath();
        Path jobJar = Path.of(System.getProperty("semdex.job.jar")).toAbsolutePath();
        assertThat(jobJar).as("the job jar (mvn package of ingest-job)").exists();
        Path work = Path.of("target/cluster-it").toAbsolutePath();
        DirectoryTree.delete(work);
        Files.createDirectories(work);
        Path index = work.resolve("index");
        String topic = "documents";
        Figures figures = new Figures(work.resolve("figures.txt"));

        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"));
                StandaloneCluster cluster = new StandaloneCluster(dist, work)) {
            kafka.createDocumentTopics(Map.of(topic, 4)); // a compacted log: the job refuses a topic that forgets
            kafka.createTopics(Map.of(topic + ".dlq", 1));
            cluster.startJobManager();
            cluster.startTaskManager("taskmanager-1", "0");
            cluster.startTaskManager("taskmanager-2", "1");
            cluster.awaitTaskManagers(2, Duration.ofSeconds(120));

            long submitted = System.nanoTime();
            List<String> jobArgs = List.of("--bootstrap", kafka.bootstrapServers(), "--topic", topic,
                    "--index", index.toString(), "--parallelism", "2", "--checkpoint-interval", "1s",
                    "--checkpoints", work.resolve("checkpoints").toUri().toString(), "--model", MODEL);
            String jobId = cluster.submit(jobJar, jobArgs);
            StandaloneCluster.awaitUntil(Duration.ofSeconds(180), "job " + jobId + " RUNNING", () -> cluster.allRunning(jobId));
            figures.add("submit to RUNNING (flink run -d, all subtasks running, models loaded)", millisSince(submitted));

            Workload workload = new Workload(SEED, topic);
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers())) {
                // Warm-up: one document through every stage, so the first load measures steady work.
                send(producer, workload.load("warmup", 1));
                assertThat(PublishedIndex.awaitEqual(index, workload.expectedUnits(), 120_000)).isEqualTo(workload.expectedUnits());

                List<ProducerRecord<byte[], byte[]>> first = workload.load("doc", FIRST_LOAD);
                Map<String, List<String>> afterFirst = workload.expectedUnits();
                long loadStart = System.nanoTime();
                send(producer, first);
                assertThat(PublishedIndex.awaitEqual(index, afterFirst, 300_000)).as("index after the first load").isEqualTo(afterFirst);
                long loadMillis = millisSince(loadStart);
                figures.add(String.format("first load: %d documents (%d units) produced to searchable", FIRST_LOAD,
                        afterFirst.values().stream().mapToInt(List::size).sum() - 1), loadMillis);
                figures.note(String.format("throughput: %.1f documents/s", FIRST_LOAD * 1000.0 / loadMillis));

                // Changes stream in over ~10 s; a TaskManager dies in the middle of them.
                List<ProducerRecord<byte[], byte[]>> changes = new java.util.ArrayList<>(workload.changes(CHANGES));
                changes.addAll(workload.load("late", NEW_DURING_CHANGES));
                Map<String, List<String>> want = workload.expectedUnits();
                long checkpointsBefore = cluster.completedCheckpoints(jobId);
                CompletableFuture<Void> streaming = CompletableFuture.runAsync(() -> trickle(producer, changes, Duration.ofSeconds(10)));
                Thread.sleep(3_000);
                StandaloneCluster.awaitUntil(Duration.ofSeconds(30), "a checkpoint during the changes",
                        () -> cluster.completedCheckpoints(jobId) > checkpointsBefore);
                long restartsBefore = cluster.restarts(jobId);

                long killed = System.nanoTime();
                cluster.kill("taskmanager-1");
                cluster.startTaskManager("taskmanager-3", "0");
                // Seen from the REST API: a vertex leaves RUNNING (or the restart counter moves; the JobManager
                // refreshes metrics for REST only every 10 s, so the counter alone can lag), then all run again.
                StandaloneCluster.awaitUntil(Duration.ofSeconds(60), "the job to notice the lost TaskManager",
                        () -> Boolean.FALSE.equals(cluster.runningOrUnknown(jobId)) || cluster.restarts(jobId) > restartsBefore);
                StandaloneCluster.awaitUntil(Duration.ofSeconds(240), "job RUNNING again", () -> cluster.allRunning(jobId));
                figures.add("kill -9 of a TaskManager to job RUNNING again (replacement TaskManager started at once)", millisSince(killed));
                streaming.get(60, TimeUnit.SECONDS);
                Map<String, List<String>> got = PublishedIndex.awaitEqual(index, want, 300_000);
                figures.add("kill -9 to index caught up (all " + changes.size() + " changes produced by then)", millisSince(killed));
                figures.note("restarts: " + (cluster.restarts(jobId) - restartsBefore) + ", live documents: " + workload.liveDocuments());

                assertThat(got).as("published index after recovery: every live document once, at its latest version").isEqualTo(want);
            }
            assertThat(Files.readString(cluster.logFile("taskmanager-2"))).as("slot GPU wiring on a surviving TaskManager")
                    .contains("Flink GPU resource of the slot: [1]");
            assertThat(Files.readString(cluster.logFile("taskmanager-3"))).as("slot GPU wiring on the replacement")
                    .contains("Flink GPU resource of the slot: [0]");

            // Stop with a savepoint through the CLI (docs/cluster.md), restart from it, and index what came meanwhile.
            long stopStart = System.nanoTime();
            StandaloneCluster.Stopped stopped = cluster.stopWithSavepoint(jobId, work.resolve("savepoints").toUri().toString());
            figures.add("stop with savepoint (semdex-flink stop --savepointPath, CLI start to job FINISHED)", millisSince(stopStart));
            stopped.cliOutput().forEach(line -> System.out.println("[semdex-flink stop] " + line));
            Path savepoint = Path.of(java.net.URI.create(stopped.savepointPath()));
            assertThat(savepoint.resolve("_metadata")).as("the savepoint's metadata").isRegularFile();
            assertThat(PublishedIndex.units(index)).as("published index after the stop").isEqualTo(workload.expectedUnits());

            List<ProducerRecord<byte[], byte[]>> afterStop = workload.load("resumed", NEW_AFTER_RESTART);
            Map<String, List<String>> wantResumed = workload.expectedUnits();
            // Produced while the job is stopped: they wait in Kafka and must be indexed after the restart.
            try (KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers())) {
                send(producer, afterStop);
            }
            long restartStart = System.nanoTime();
            String resumedId = cluster.submitFromSavepoint("client-resume", stopped.savepointPath(), jobJar, jobArgs);
            Map<String, List<String>> resumed = PublishedIndex.awaitEqual(index, wantResumed, 300_000);
            figures.add("restart from the savepoint (semdex-flink run -d -s) to " + NEW_AFTER_RESTART
                    + " new documents searchable", millisSince(restartStart));
            assertThat(resumed).as("published index after the restart: every document once, the new ones included")
                    .isEqualTo(wantResumed);

            // Batch mode: stop the streaming job, rebuild the whole topic into gen-2 (attached run), switch to it.
            cluster.cancelAndWait(resumedId);
            long batchStart = System.nanoTime();
            cluster.run("client-batch", false, jobJar, List.of("--mode", "batch", "--bootstrap", kafka.bootstrapServers(),
                    "--topic", topic, "--index", index.toString(), "--parallelism", "2", "--model", MODEL));
            figures.add("batch reindex of the topic into gen-2 (flink run, attached)", millisSince(batchStart));
            IndexLayout layout = new IndexLayout(index);
            assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-2");
            assertThat(PublishedIndex.units(index)).as("gen-2 after the batch reindex").isEqualTo(workload.expectedUnits());

            switchModels(cluster, kafka, jobJar, jobArgs, index, workload, figures);
        } finally {
            figures.write();
        }
    }

    /**
     * docs/cluster.md, "Switching models without downtime", step by step: while the streaming job
     * keeps gen-2 fresh, {@code --mode handoff} builds gen-3 with another model (the Qwen3-shaped
     * fixture, 256 dimensions, one shard) and marks it READY; a {@code --mode catch-up} job streams
     * into gen-3 from the hand-off's offsets; {@code semdex switch} moves CURRENT once that job's
     * group has read the topic to its end; the old job is cancelled, and the catch-up job goes on as
     * the streaming job. Documents produced at every step must end in the live index, once each.
     */
    private static void switchModels(StandaloneCluster cluster, EmbeddedKafka kafka, Path jobJar, List<String> jobArgs, Path index,
            Workload workload, Figures figures) throws Exception {
        String topic = "documents";
        IndexLayout layout = new IndexLayout(index);
        // On the CPU, as MODEL: the TaskManagers' discovered GPUs have no CUDA behind them.
        String nextModel = "qwen3-embedding-0.6b?dir=" + Qwen3Fixture.directory() + "&dimensions=256&device=cpu";
        // Two slots run gen-2's streaming job; the hand-off and the catch-up job need a third.
        cluster.startTaskManager("taskmanager-4", "1");
        cluster.awaitTaskManagers(3, Duration.ofSeconds(120));
        String streamingId = cluster.run("client-gen-2", true, jobJar, jobArgs);
        StandaloneCluster.awaitUntil(Duration.ofSeconds(180), "gen-2's streaming job RUNNING", () -> cluster.allRunning(streamingId));

        try (KafkaProducer<byte[], byte[]> producer = producer(kafka.bootstrapServers())) {
            send(producer, workload.load("before-handoff", 10));
            assertThat(PublishedIndex.awaitEqual(index, workload.expectedUnits(), 120_000)).as("gen-2 before the hand-off")
                    .isEqualTo(workload.expectedUnits());

            long handoff = System.nanoTime();
            cluster.run("client-handoff", false, jobJar, List.of("--mode", "handoff", "--bootstrap", kafka.bootstrapServers(),
                    "--topic", topic, "--index", index.toString(), "--parallelism", "1", "--model", nextModel));
            figures.add("hand-off: gen-3 with another model built and marked READY (flink run, attached)", millisSince(handoff));
            Generation next = layout.generation(layout.latestNumber());
            assertThat(next.name()).isEqualTo("gen-3");
            assertThat(Handoff.read(next)).as("gen-3's hand-off").isPresent();
            assertThat(layout.current().orElseThrow().name()).as("live while gen-3 waits").isEqualTo("gen-2");

            // Produced after the hand-off's offsets: gen-2's job indexes them now, the catch-up job into gen-3.
            send(producer, workload.load("during-handoff", 10));
            assertThat(PublishedIndex.awaitEqual(index, workload.expectedUnits(), 120_000)).as("gen-2 still fresh after the hand-off")
                    .isEqualTo(workload.expectedUnits());

            long catchUp = System.nanoTime();
            String catchUpId = cluster.run("client-catch-up", true, jobJar, List.of("--mode", "catch-up", "--bootstrap",
                    kafka.bootstrapServers(), "--topic", topic, "--index", index.toString(), "--checkpoint-interval", "1s",
                    "--checkpoints", index.resolveSibling("checkpoints-gen-3").toUri().toString()));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = new CommandLine(new Semdex()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                    .execute("switch", "--index", index.toString(), "--bootstrap", kafka.bootstrapServers(), "--wait", "180");
            assertThat(exit).as("semdex switch: " + out + err).isZero();
            figures.add("catch-up job submitted to semdex switch done", millisSince(catchUp));
            assertThat(layout.current().orElseThrow().name()).isEqualTo("gen-3");
            Manifest manifest = Manifest.read(layout.current().orElseThrow().manifestFile());
            assertThat(manifest.modelSpec()).isEqualTo(nextModel);
            assertThat(manifest.dimensions()).isEqualTo(256);
            assertThat(PublishedIndex.awaitEqual(index, workload.expectedUnits(), 120_000)).as("gen-3 when switched in")
                    .isEqualTo(workload.expectedUnits());

            cluster.cancelAndWait(streamingId);
            send(producer, workload.load("after-switch", 10));
            assertThat(PublishedIndex.awaitEqual(index, workload.expectedUnits(), 120_000))
                    .as("gen-3 after the old job is cancelled: the catch-up job is the streaming job").isEqualTo(workload.expectedUnits());
            assertThat(cluster.allRunning(catchUpId)).isTrue();
        }
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static void send(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records) {
        records.forEach(producer::send);
        producer.flush();
    }

    /** Sends the records evenly over {@code over}. */
    private static void trickle(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records, Duration over) {
        long pause = over.toMillis() / Math.max(1, records.size() / 10);
        try {
            for (int i = 0; i < records.size(); i += 10) {
                send(producer, records.subList(i, Math.min(records.size(), i + 10)));
                Thread.sleep(pause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /** Measured times, printed and written next to the logs. */
    static final class Figures {
        private final Path file;
        private final StringBuilder lines = new StringBuilder();

        Figures(Path file) {
            this.file = file;
        }

        void add(String what, long millis) {
            note(String.format("%s: %.1f s", what, millis / 1000.0));
        }

        void note(String line) {
            System.out.println("[figures] " + line);
            lines.append(line).append('\n');
        }

        void write() throws Exception {
            Files.writeString(file, lines);
        }
    }
}
