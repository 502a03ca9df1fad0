package io.semdex.query;

import io.semdex.core.SourceDocument;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the documents it is given: for tests of the HTTP contract, where Kafka is not under test. */
final class RecordingPublisher implements DocumentPublisher {

    private final List<SourceDocument> published = new CopyOnWriteArrayList<>();

    @Override
    public void publish(List<SourceDocument> documents) {
        published.addAll(documents);
    }

    /** What was published so far, in order. */
    List<SourceDocument> published() {
        return List.copyOf(published);
    }

    @Override
    public String destination() {
        return "memory";
    }

    @Override
    public void close() {}
}
