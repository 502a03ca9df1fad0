package io.semdex.ingest;

import io.semdex.core.EmbedFailure;
import io.semdex.embed.FailurePolicy;
import io.semdex.embed.FailureReport;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embed stage's {@link FailureReport} as a file beside the index ({@link EmbedFailure}), where
 * the query service reads it for {@code /api/status}: on a cluster as in the demo, since both see
 * the index root.
 */
final class EmbedFailureFile implements FailureReport {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EmbedFailureFile.class);

    private final String indexRoot;

    EmbedFailureFile(Path indexRoot) {
        this.indexRoot = indexRoot.toAbsolutePath().toString();
    }

    @Override
    public void failed(FailurePolicy.Blame blame, String cause) {
        try {
            new EmbedFailure(blame.name().toLowerCase(Locale.ROOT), cause, Instant.now()).write(Path.of(indexRoot));
        } catch (RuntimeException e) {
            LOG.warn("Could not record the embed stage's failure beside the index: {}", e.getMessage()); // the log has the cause
        }
    }

    @Override
    public void cleared() {
        try {
            EmbedFailure.clear(Path.of(indexRoot));
        } catch (RuntimeException e) {
            LOG.warn("Could not remove the embed stage's old failure beside the index: {}", e.getMessage());
        }
    }
}
