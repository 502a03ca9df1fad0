package io.semdex.embed;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the embed stage does with a failing model call, kept apart from Flink the way Elasticsearch's
 * sink keeps its failure handler apart from its writer. Every failure is judged once, by
 * {@link #blame}, as one of three:
 *
 * <ul>
 *   <li>{@link Blame#DOCUMENT}: something in the texts (a server's 400, 413 or 422, an input the
 *       model cannot run): the call is split by document, down to the documents that fail alone,
 *       which {@link Outcome#failed()} names; the caller dead-letters them;</li>
 *   <li>{@link Blame#TRANSIENT}: a timeout, a refused connection, a server's 408, 429 or 5xx: the
 *       same call is tried again with backoff, for at most the retry budget in all, then the task
 *       fails; never a dead letter;</li>
 *   <li>{@link Blame#ENVIRONMENT}: rejected credentials (401, 403), an unknown model or endpoint
 *       (404), vectors of another model, a closed model: the task fails at once with the cause
 *       ({@link EmbeddingFailure}); never a dead letter.</li>
 * </ul>
 *
 * <p>A model that fails on every input is the environment too, though each failure looks like a
 * document's: every document of a split call of at least {@value #MIN_BATCH_TO_JUDGE} failing alone,
 * or {@value #MAX_CONSECUTIVE_FAILURES} failing documents in a row with none succeeding, fails the
 * task ({@link #judge}). An {@link Error} is never caught.
 *
 * <pre>{@code
 * FailurePolicy policy = new FailurePolicy(FailurePolicy.DEFAULT_RETRY_BUDGET, Duration.ofSeconds(1));
 * FailurePolicy.Outcome<String> outcome = policy.embed(texts, embedder::embedDocuments); // off the task thread
 * policy.judge(documents, outcome.failed());                                             // on it, in order
 * }</pre>
 */
public final class FailurePolicy implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FailurePolicy.class);

    /** Failing documents in a row, none succeeding in between, after which the model is at fault, not the records. */
    public static final int MAX_CONSECUTIVE_FAILURES = 8;
    /** A split call of at least this many documents that all fail alone means the model fails on every input. */
    public static final int MIN_BATCH_TO_JUDGE = 3;
    /**
     * How long one call may go on failing transiently before the task fails: with a remote server's
     * own retries (at most a minute, then one more request) a call ends within about five minutes,
     * well below Flink's ten-minute checkpoint timeout; checkpoints do not wait for calls anyway.
     */
    public static final Duration DEFAULT_RETRY_BUDGET = Duration.ofMinutes(3);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    /** Who is at fault for a failed call. */
    public enum Blame { DOCUMENT, TRANSIENT, ENVIRONMENT }

    /**
     * The task must fail: the environment is at fault (credentials, model, server), or transient
     * failures outlasted the retry budget. Its message is what the log and {@code /api/status} show.
     */
    public static final class EmbeddingFailure extends IllegalStateException {
        private final Blame blame;

        EmbeddingFailure(Blame blame, String message, Throwable cause) {
            super(message, cause);
            this.blame = blame;
        }

        public Blame blame() {
            return blame;
        }
    }

    /**
     * One text to embed, and whose it is: the document a failure of the text is blamed on.
     *
     * @param key the text's reuse key: texts with one key are embedded once
     */
    public record Text<D>(D owner, String key, String text) {}

    /** What a call found: vectors by key, and the owners at fault with the reason. */
    public record Outcome<D>(Map<String, float[]> vectors, Map<D, String> failed) {}

    private final Duration retryBudget;
    private final long backoffMillis;
    /** Documents that failed in a row, across calls, with none succeeding in between; task thread only. */
    private transient int consecutiveFailures;

    /**
     * @param retryBudget how long a call may go on failing transiently, from its first failure, before the task fails
     * @param backoff the wait after the first transient failure, doubled after each further one (at most 30 s)
     */
    public FailurePolicy(Duration retryBudget, Duration backoff) {
        if (retryBudget == null || retryBudget.isNegative()) {
            throw new IllegalArgumentException("retry budget must be >= 0, got " + retryBudget);
        }
        if (backoff == null || backoff.isNegative()) {
            throw new IllegalArgumentException("backoff must be >= 0, got " + backoff);
        }
        this.retryBudget = retryBudget;
        this.backoffMillis = backoff.toMillis();
    }

    /** Who is at fault for {@code failure}, judged by its type and its causes'. */
    public static Blame blame(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof EnvironmentEmbeddingException || t instanceof InterruptedException) {
                return Blame.ENVIRONMENT;
            }
            if (t instanceof EmbeddingFailure f) {
                return f.blame();
            }
            if (t instanceof TransientEmbeddingException
                    || t instanceof java.net.http.HttpTimeoutException
                    || t instanceof java.net.SocketTimeoutException
                    || t instanceof java.net.ConnectException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return Blame.TRANSIENT;
            }
        }
        return Thread.currentThread().isInterrupted() ? Blame.ENVIRONMENT : Blame.DOCUMENT;
    }

    /**
     * Embeds the distinct texts of {@code texts} in one call of {@code model}; on a document's
     * failure, each half of the owners apart, down to single owners, which are then at fault. A
     * vector with NaN or infinite values puts its owner at fault too.
     *
     * @throws EmbeddingFailure when the environment is at fault or transient failures outlast the budget
     * @throws Error as thrown by the model
     */
    public <D> Outcome<D> embed(List<Text<D>> texts, Function<List<String>, List<float[]>> model) {
        Map<String, float[]> vectors = new HashMap<>();
        Map<D, String> failed = new IdentityHashMap<>();
        List<D> owners = owners(texts);
        embedGroup(texts, owners, model, vectors, failed);
        return new Outcome<>(vectors, failed);
    }

    private <D> void embedGroup(List<Text<D>> texts, List<D> owners, Function<List<String>, List<float[]>> model,
            Map<String, float[]> vectors, Map<D, String> failed) {
        Map<String, String> toEmbed = new LinkedHashMap<>();
        for (Text<D> t : texts) {
            if (!vectors.containsKey(t.key())) {
                toEmbed.putIfAbsent(t.key(), t.text());
            }
        }
        if (toEmbed.isEmpty()) {
            return;
        }
        List<float[]> answer;
        try {
            answer = retryingTransient(new ArrayList<>(toEmbed.values()), model);
        } catch (EmbeddingFailure e) {
            throw e;
        } catch (RuntimeException e) {
            if (owners.size() == 1) {
                failed.put(owners.get(0), describe(e));
                return;
            }
            int half = owners.size() / 2;
            for (List<D> part : List.of(owners.subList(0, half), owners.subList(half, owners.size()))) {
                Set<D> in = identitySet(part);
                embedGroup(texts.stream().filter(t -> in.contains(t.owner())).toList(), part, model, vectors, failed);
            }
            return;
        }
        Set<String> nonFinite = new HashSet<>();
        int i = 0;
        for (String key : toEmbed.keySet()) {
            float[] v = answer.get(i++);
            if (isFinite(v)) {
                vectors.put(key, v);
            } else {
                nonFinite.add(key);
            }
        }
        for (Text<D> t : texts) {
            if (nonFinite.contains(t.key())) {
                failed.putIfAbsent(t.owner(), "the model returned a vector with NaN or infinite values for '" + abbreviate(t.text()) + "'");
            }
        }
    }

    /** One model call, tried again with exponential backoff while it fails transiently and the budget lasts. */
    private List<float[]> retryingTransient(List<String> texts, Function<List<String>, List<float[]>> model) {
        long firstFailure = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                List<float[]> vectors = model.apply(texts);
                if (vectors == null || vectors.size() != texts.size()) {
                    throw new EmbeddingFailure(Blame.ENVIRONMENT, "the model returned " + (vectors == null ? 0 : vectors.size())
                            + " vectors for " + texts.size() + " texts", null);
                }
                return vectors;
            } catch (EmbeddingFailure e) {
                throw e;
            } catch (RuntimeException e) {
                Blame blame = blame(e);
                if (blame == Blame.DOCUMENT) {
                    throw e;
                }
                if (blame == Blame.ENVIRONMENT) {
                    throw new EmbeddingFailure(Blame.ENVIRONMENT, "the embedding model cannot be used: " + describe(e), e);
                }
                long now = System.nanoTime();
                if (attempt == 1) {
                    firstFailure = now;
                }
                long spent = (now - firstFailure) / 1_000_000;
                long wait = Math.min(MAX_BACKOFF_MILLIS, backoffMillis << Math.min(attempt - 1, 20));
                if (spent + wait > retryBudget.toMillis()) {
                    throw new EmbeddingFailure(Blame.TRANSIENT, String.format("embedding %d texts failed transiently for %d s over %d attempts"
                            + " (retry budget %d s); last: %s", texts.size(), spent / 1000, attempt, retryBudget.toSeconds(), describe(e)), e);
                }
                LOG.warn("Embedding {} texts failed transiently ({}); attempt {} in {} ms", texts.size(), describe(e), attempt + 1, wait);
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddingFailure(Blame.ENVIRONMENT, "interrupted while waiting to retry an embedding call", interrupted);
                }
            }
        }
    }

    /**
     * Judges the model by one call's failures, on the task thread in the order calls end: fails the
     * task when every document of a split call of at least {@value #MIN_BATCH_TO_JUDGE} failed alone, or
     * when {@value #MAX_CONSECUTIVE_FAILURES} documents failed in a row with none succeeding.
     *
     * @param owners the call's documents, in order
     * @throws EmbeddingFailure blaming the environment
     */
    public <D> void judge(List<D> owners, Map<D, String> failed) {
        if (failed.isEmpty()) {
            if (!owners.isEmpty()) {
                consecutiveFailures = 0;
            }
            return;
        }
        if (owners.size() >= MIN_BATCH_TO_JUDGE && failed.size() == owners.size()) {
            throw new EmbeddingFailure(Blame.ENVIRONMENT, String.format(
                    "the model failed on every one of %d documents, each alone: the model is at fault, not the records; first: %s",
                    owners.size(), failed.get(owners.get(0))), null);
        }
        for (D owner : owners) {
            String reason = failed.get(owner);
            if (reason == null) {
                consecutiveFailures = 0;
            } else if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
                throw new EmbeddingFailure(Blame.ENVIRONMENT, String.format(
                        "the model failed on %d documents in a row with none succeeding: the model is at fault, not the records; last: %s",
                        consecutiveFailures, reason), null);
            }
        }
    }

    private static <D> List<D> owners(List<Text<D>> texts) {
        List<D> owners = new ArrayList<>();
        Set<D> seen = identitySet(List.of());
        for (Text<D> t : texts) {
            if (seen.add(t.owner())) {
                owners.add(t.owner());
            }
        }
        return owners;
    }

    private static <D> Set<D> identitySet(List<D> items) {
        Set<D> set = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(items);
        return set;
    }

    private static boolean isFinite(float[] v) {
        if (v == null || v.length == 0) {
            return false;
        }
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }

    static String describe(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
