package io.semdex.embed;

/**
 * An embedding call that failed for a reason that has nothing to do with its texts: a timeout, a
 * connection error, or a remote server's 408, 429 or 5xx. Worth retrying later; never a reason to
 * dead-letter a document.
 */
public class TransientEmbeddingException extends IllegalStateException {

    public TransientEmbeddingException(String message) {
        super(message);
    }

    public TransientEmbeddingException(String message, Throwable cause) {
        super(message, cause);
    }
}
