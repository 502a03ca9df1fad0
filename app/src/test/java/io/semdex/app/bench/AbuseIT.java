package io.semdex.app.bench;

import io.semdex.app.EmbeddedStack;
import io.semdex.embed.EmbedderSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten seconds of good and bad requests from four clients at once against the real stack: no
 * request gets a 5xx, every good one a 2xx and every bad one a 4xx, and every document the
 * service accepted becomes searchable. {@code semdex bench abuse} is the long version.
 */
class AbuseIT {

    @TempDir
    Path data;

    @Test
    void badRequestsAmongGoodOnesGetNo5xxAndEveryAcceptedDocumentBecomesSearchable() throws Exception {
        try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1,
                Duration.ofMillis(500)))) {
            AbuseRun.Report report = new AbuseRun(URI.create(stack.url()), null).run(Duration.ofSeconds(10), 4, 11, Duration.ofSeconds(180));
            System.out.println(BenchAbuseCommand.format(report));

            assertThat(report.serverErrors()).as("5xx answers: %s", report.byStatus()).isZero();
            assertThat(report.byStatus()).as("requests with no answer").doesNotContainKey(AbuseRun.NO_ANSWER);
            assertThat(report.unexpected()).as("answers of the wrong class: %s", report.unexpectedSamples()).isZero();
            assertThat(report.byStatus()).containsKeys(200, 202, 400, 405);
            assertThat(report.accepted()).isPositive();
            assertThat(report.searchable()).as("accepted documents in the index").isEqualTo(report.accepted());
            assertThat(report.found()).as("sampled documents found by a search for their own word").isEqualTo(report.sampled());
        }
    }
}
