package io.semdex.query;

import io.semdex.core.SourceDocument;
import java.util.List;

/**
 * Hands documents to the indexing pipeline. The query service never writes the index itself: a
 * document added through the API takes the same road as every other.
 */
public interface DocumentPublisher extends AutoCloseable {

    /** Returns once every document is durably accepted (e.g. acknowledged by Kafka). */
    void publish(List<SourceDocument> documents) throws Exception;

    /** Where documents go, for the response, e.g. {@code kafka:documents}. */
    String destination();

    @Override
    void close();
}
