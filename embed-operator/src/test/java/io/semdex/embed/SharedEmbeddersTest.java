package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One model instance per spec and device in a JVM, with the real bundled model: opened by the first user, closed by the last. */
class SharedEmbeddersTest {

    @Test
    void usersOfOneSpecShareAnInstanceThatTheLastReleaseCloses() {
        EmbedderSpec spec = EmbedderSpec.parse("bge-small-zh-v1.5?device=cpu");
        assertThat(SharedEmbedders.holders(spec)).isZero();
        Embedder job = SharedEmbedders.acquire(spec, new Slot(0, List.of()));
        Embedder queries = SharedEmbedders.acquire(spec, Slot.SINGLE);
        try {
            assertThat(SharedEmbedders.holders(spec)).isEqualTo(2);
            float[] fromJob = job.embedTexts(List.of("橙子含有大量维生素C。")).get(0);
            assertThat(queries.embedTexts(List.of("橙子含有大量维生素C。")).get(0)).containsExactly(fromJob);
            job.close();
            job.close(); // a second close releases nothing more
            assertThat(SharedEmbedders.holders(spec)).isEqualTo(1);
            assertThat(queries.embedQueries(List.of("维生素C"))).hasSize(1); // still open for the other user
            assertThatThrownBy(() -> job.embedTexts(List.of("x"))).hasMessageContaining("released");
        } finally {
            queries.close();
        }
        assertThat(SharedEmbedders.holders(spec)).isZero();
    }
}
