package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DeadLetterSinkTest {

    @Test
    void onePipelineKeepsItsPrefixAcrossRestartsAndTwoPipelinesWithTheDefaultGroupDoNotShareOne() {
        Path root = Path.of("data", "index");
        String first = IngestJob.deadLetterTransactionalIdPrefix(IngestJobConfig.defaults("localhost:9092", root), "semdex-ingest-gen-1");
        String again = IngestJob.deadLetterTransactionalIdPrefix(
                IngestJobConfig.defaults("localhost:9093", root.toAbsolutePath().resolve("..").resolve("index")), "semdex-ingest-gen-1");
        String other = IngestJob.deadLetterTransactionalIdPrefix(
                IngestJobConfig.defaults("localhost:9092", Path.of("other", "index")), "semdex-ingest-gen-1");
        String nextGeneration = IngestJob.deadLetterTransactionalIdPrefix(IngestJobConfig.defaults("localhost:9092", root), "semdex-ingest-gen-2");

        assertThat(first).startsWith("semdex-dlq-semdex-ingest-gen-1-").isEqualTo(again);
        assertThat(other).isNotEqualTo(first);
        assertThat(nextGeneration).isNotEqualTo(first);
    }
}
