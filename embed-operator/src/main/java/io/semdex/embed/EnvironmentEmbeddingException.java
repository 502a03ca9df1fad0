package io.semdex.embed;

/**
 * An embedding call that failed because of where the model runs, not because of its texts: the
 * server rejected the credentials (401, 403), does not know the model or the endpoint (404), answers
 * vectors of another model, or the model was closed under the call. Retrying or splitting the batch
 * would fail the same way, and blaming a document would dead-letter good records; the task fails
 * with this cause instead.
 */
public class EnvironmentEmbeddingException extends IllegalStateException {

    public EnvironmentEmbeddingException(String message) {
        super(message);
    }

    public EnvironmentEmbeddingException(String message, Throwable cause) {
        super(message, cause);
    }
}
