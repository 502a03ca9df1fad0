package io.semdex.embed;

import java.util.List;

/**
 * An {@link Embedder} that passes every call to another one: the base of wrappers that change one
 * thing about a model (time its calls, share them, hold a lease on it) and leave the rest as it is.
 */
public abstract class ForwardingEmbedder implements Embedder {

    protected final Embedder delegate;

    protected ForwardingEmbedder(Embedder delegate) {
        this.delegate = delegate;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return delegate.embedDocuments(texts);
    }

    @Override
    public List<float[]> embedQueries(List<String> queries) {
        return delegate.embedQueries(queries);
    }

    @Override
    public List<float[]> embedTexts(List<String> texts) {
        return delegate.embedTexts(texts);
    }

    @Override
    public List<float[]> embedTokens(List<long[]> tokenIds) {
        return delegate.embedTokens(tokenIds);
    }

    @Override
    public EmbedderInfo info() {
        return delegate.info();
    }

    @Override
    public ModelPreset preset() {
        return delegate.preset();
    }

    @Override
    public int countTokens(String text) {
        return delegate.countTokens(text);
    }

    @Override
    public boolean inProcess() {
        return delegate.inProcess();
    }

    @Override
    public boolean lastLayerPruned() {
        return delegate.lastLayerPruned();
    }

    @Override
    public Batching batching() {
        return delegate.batching();
    }

    @Override
    public int workers() {
        return delegate.workers();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
