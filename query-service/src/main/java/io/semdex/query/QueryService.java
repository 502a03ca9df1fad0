package io.semdex.query;

import io.semdex.core.IndexLayout;
import io.semdex.core.Lane;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.SharedEmbedders;
import io.semdex.embed.Slot;
import java.io.IOException;
import java.time.Duration;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query service, wired by hand: embedder, live index, searcher, publisher and the HTTP API. The
 * configured model embeds queries for generations built with it; a generation built with another
 * model is searched with that model, opened from its manifest's spec (see {@link LiveIndex}).
 */
public final class QueryService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryService.class);

    /** How long a stop waits for the requests being answered: a search takes milliseconds, a big embedding call seconds. */
    private static final long IN_FLIGHT_PATIENCE_SECONDS = 10;
    private static final Duration IN_FLIGHT_PATIENCE = Duration.ofSeconds(IN_FLIGHT_PATIENCE_SECONDS);

    private final Embedder embedder;
    private final LiveIndex index;
    private final DocumentPublisher publisher;
    private final HttpApi api;
    private final DeadLetters deadLetters;
    private boolean closed;

    private QueryService(Embedder embedder, LiveIndex index, DocumentPublisher publisher, HttpApi api, DeadLetters deadLetters) {
        this.embedder = embedder;
        this.index = index;
        this.publisher = publisher;
        this.api = api;
        this.deadLetters = deadLetters;
    }

    public static QueryService start(QueryServiceConfig config) throws IOException {
        Metrics metrics = new Metrics();
        QueryModels models = spec -> openQueryEmbedder(spec, config.batchQueries(), metrics);
        Embedder embedder = models.open(config.model());
        LiveIndex index;
        try {
            index = new LiveIndex(new IndexLayout(config.indexRoot()), embedder, models, config.refreshMillis());
        } catch (RuntimeException e) {
            embedder.close();
            throw e;
        }
        DocumentPublisher publisher = config.bootstrapServers() == null ? null
                : new KafkaDocumentPublisher(config.bootstrapServers(), Lane.INTERACTIVE.topic(config.topic())); // never behind a bulk load
        DeadLetters deadLetters = config.bootstrapServers() == null ? null
                : new DeadLetters(config.bootstrapServers(), config.deadLetterTopic());
        HttpApi api;
        try {
            // Queries and /v1/embeddings use the live generation's model: after a model switch, the new one.
            api = new HttpApi(config.host(), config.port(), new Searcher(index, config.queryCache()), index, publisher,
                    new OpenAiEmbeddingsApi(index), config.access(), metrics, deadLetters);
        } catch (IOException | RuntimeException e) {
            if (deadLetters != null) {
                deadLetters.close();
            }
            if (publisher != null) {
                publisher.close();
            }
            index.close();
            embedder.close();
            throw e;
        }
        LOG.info("Query service listening on http://{}:{} ({})", config.host(), api.address().getPort(), config.access());
        return new QueryService(embedder, index, publisher, api, deadLetters);
    }

    /**
     * The one place the query service opens a model: its own at start, and the model of a
     * generation built with another one when that goes live (a model switch). The instance is shared
     * with the embed tasks when the job runs in this JVM (the embedded stack), and concurrent
     * searches share its calls where the model allows ({@link QueryBatcher}).
     */
    private static Embedder openQueryEmbedder(EmbedderSpec spec, boolean batchQueries, Metrics metrics) {
        Embedder model = SharedEmbedders.acquire(spec, Slot.SINGLE);
        Embedder timed = new TimedEmbedder(model, metrics.embed);
        return batchQueries ? sharedCalls(SharedEmbedders.instance(model), timed, metrics) : timed;
    }

    /** {@code timed} behind a {@link QueryBatcher} where {@code model} lets queries share calls, else {@code timed} itself. */
    private static Embedder sharedCalls(Embedder model, Embedder timed, Metrics metrics) {
        return QueryBatcher.limitsFor(model).<Embedder>map(limits -> {
            LOG.info("Concurrent searches share model calls: up to {} queries per call once {} call(s) run, gathering at most {} ms",
                    limits.maxBatch(), limits.slots(), limits.maxWait().toMillis());
            return new QueryBatcher(timed, limits, metrics.queryBatch::observe);
        }).orElseGet(() -> {
            LOG.info("Each search embeds its query in a model call of its own: {} takes one text per call or runs on a server"
                    + " that batches concurrent requests itself", model.info().modelId());
            return timed;
        });
    }

    public InetSocketAddress address() {
        return api.address();
    }

    public LiveIndex index() {
        return index;
    }

    /** First step of a stop: refuse documents (503, {@code Retry-After}) and report not ready; searches go on. */
    public void stopAccepting() {
        api.stopAccepting();
    }

    /** Refuses documents, lets the requests being answered finish (up to {@value #IN_FLIGHT_PATIENCE_SECONDS} s), then closes everything. */
    @Override
    public void close() {
        close(IN_FLIGHT_PATIENCE);
    }

    /** As {@link #close()}, letting the requests being answered finish for at most {@code patience}; a second close does nothing. */
    public synchronized void close(Duration patience) {
        if (closed) {
            return;
        }
        closed = true;
        api.close(patience);
        if (deadLetters != null) {
            deadLetters.close();
        }
        if (publisher != null) {
            publisher.close();
        }
        index.close();
        embedder.close();
    }
}
