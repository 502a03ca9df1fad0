package io.semdex.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.app.EmbeddedStack;
import io.semdex.core.DirectoryTree;
import io.semdex.embed.EmbedderSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The first load of {@link StandaloneClusterIT} (same seed, same 300 documents, one warm-up
 * document first, parallelism 2, checkpoints every second, the same model) through the embedded
 * stack of {@code semdex demo}: Kafka, a Flink MiniCluster and the query service in this JVM. It
 * checks that the published index holds exactly the workload's units, and writes the time from
 * produced to searchable to {@code target/embedded-throughput/figures.txt}, to compare with the
 * cluster's figures (a measurement, never asserted):
 *
 * <pre>
 * mvn -B verify -pl cluster -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test='StandaloneClusterIT,EmbeddedThroughputIT' -Dfailsafe.failIfNoSpecifiedTests=false
 * </pre>
 */
class EmbeddedThroughputIT {

    @Test
    void theClusterTestsFirstLoadIsPublishedExactlyThroughTheEmbeddedStack() throws Exception {
        Path work = Path.of("target/embedded-throughput").toAbsolutePath();
        DirectoryTree.delete(work);
        Files.createDirectories(work);
        StandaloneClusterIT.Figures figures = new StandaloneClusterIT.Figures(work.resolve("figures.txt"));
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(work, "127.0.0.1", 0, EmbedderSpec.parse(StandaloneClusterIT.MODEL), 2,
                Duration.ofSeconds(1)))) {
            Path index = work.resolve("index");
            Workload workload = new Workload(StandaloneClusterIT.SEED, stack.topic());
            try (KafkaProducer<byte[], byte[]> producer = StandaloneClusterIT.producer(stack.bootstrapServers())) {
                StandaloneClusterIT.send(producer, workload.load("warmup", 1));
                assertThat(PublishedIndex.awaitEqual(index, workload.expectedUnits(), 180_000)).isEqualTo(workload.expectedUnits());
                List<ProducerRecord<byte[], byte[]>> first = workload.load("doc", StandaloneClusterIT.FIRST_LOAD);
                Map<String, List<String>> want = workload.expectedUnits();
                long start = System.nanoTime();
                StandaloneClusterIT.send(producer, first);
                assertThat(PublishedIndex.awaitEqual(index, want, 300_000)).isEqualTo(want);
                long millis = StandaloneClusterIT.millisSince(start);
                figures.add(String.format("embedded stack, first load: %d documents (%d units) produced to searchable",
                        StandaloneClusterIT.FIRST_LOAD, want.values().stream().mapToInt(List::size).sum() - 1), millis);
                figures.note(String.format("throughput: %.1f documents/s", StandaloneClusterIT.FIRST_LOAD * 1000.0 / millis));
            }
        } finally {
            figures.write();
        }
    }
}
