package io.semdex.embed;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model instances of this JVM that several users share: in the embedded stack, the job's embed
 * tasks and the query service run in one process, and one instance of the model serves them all
 * instead of one each (the model's weights and ONNX Runtime's arenas counted once). An instance is
 * opened by its first user and closed when the last one lets go.
 *
 * <p>Users share only what is the same model in the same place: the same spec text (model, engine,
 * batching, workers, …) on the same device. An {@link Embedder} is safe for use from several
 * threads, so sharing needs no locking beyond the count.
 *
 * <pre>{@code
 * try (Embedder embedder = SharedEmbedders.acquire(EmbedderSpec.parse("bge-small-zh-v1.5"), Slot.SINGLE)) {
 *     embedder.embedQueries(List.of("哪种水果维生素C多"));
 * } // closes the model if no one else holds it
 * }</pre>
 */
public final class SharedEmbedders {

    private static final Logger LOG = LoggerFactory.getLogger(SharedEmbedders.class);

    /** What makes two users' models the same instance. */
    private record Key(String spec, String device) {}

    /** An open model and how many leases hold it. */
    private static final class Instance {
        final Embedder embedder;
        int holders;

        Instance(Embedder embedder) {
            this.embedder = embedder;
        }
    }

    private static final Map<Key, Instance> OPEN = new HashMap<>();

    private SharedEmbedders() {}

    /**
     * The model of {@code spec} on the device it resolves to for {@code slot}, opened when no one
     * holds it yet. Closing the returned embedder releases this hold; the last release closes the model.
     */
    public static Embedder acquire(EmbedderSpec spec, Slot slot) {
        Key key = new Key(spec.text(), spec.remote() != null ? "remote"
                : spec.device().resolve(slot, EmbedderSpec::visibleGpus).toString());
        Instance instance;
        synchronized (OPEN) {
            instance = OPEN.get(key);
            if (instance == null) {
                // Opening under the lock keeps a second user from loading the same model alongside.
                instance = new Instance(spec.open(slot));
                OPEN.put(key, instance);
            } else {
                LOG.info("Model {} on {} shared: already open in this JVM", key.spec(), key.device());
            }
            instance.holders++;
        }
        return new Lease(key, instance);
    }

    /** How many users hold the model of {@code spec} in this JVM, on any device; 0 when it is not open. */
    public static int holders(EmbedderSpec spec) {
        synchronized (OPEN) {
            return OPEN.entrySet().stream().filter(e -> e.getKey().spec().equals(spec.text())).mapToInt(e -> e.getValue().holders).sum();
        }
    }

    /**
     * The model instance a hold stands for, or {@code embedder} itself when it is not a hold: for
     * callers that ask how the model runs its calls (its batching and workers), which a hold does not say.
     */
    public static Embedder instance(Embedder embedder) {
        return embedder instanceof Lease lease ? lease.instance.embedder : embedder;
    }

    private static void release(Key key, Instance instance) {
        synchronized (OPEN) {
            if (--instance.holders > 0) {
                return;
            }
            OPEN.remove(key, instance);
        }
        instance.embedder.close(); // outside the lock: it waits for the model calls in flight
    }

    /** One user's hold on a shared instance; closing it releases the hold once. */
    private static final class Lease extends ForwardingEmbedder {

        private final Key key;
        private final Instance instance;
        private final AtomicBoolean released = new AtomicBoolean();

        Lease(Key key, Instance instance) {
            super(instance.embedder);
            this.key = key;
            this.instance = instance;
        }

        private Embedder model() {
            if (released.get()) {
                throw new IllegalStateException("this hold on the model " + key.spec() + " was released");
            }
            return delegate;
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return model().embedDocuments(texts);
        }

        @Override
        public List<float[]> embedQueries(List<String> queries) {
            return model().embedQueries(queries);
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            return model().embedTexts(texts);
        }

        @Override
        public List<float[]> embedTokens(List<long[]> tokenIds) {
            return model().embedTokens(tokenIds);
        }

        @Override
        public Embedder interactive() {
            return model().interactive();
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                release(key, instance);
            }
        }
    }
}
