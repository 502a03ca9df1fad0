package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.embed.FailurePolicy.Blame;
import io.semdex.embed.FailurePolicy.EmbeddingFailure;
import io.semdex.embed.FailurePolicy.Outcome;
import io.semdex.embed.FailurePolicy.Text;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The failure policy on its own, with a scripted stand-in model: no Flink, no network. */
class FailurePolicyTest {

    private static final FailurePolicy POLICY = new FailurePolicy(Duration.ofSeconds(5), Duration.ofMillis(1));

    private final List<List<String>> calls = new ArrayList<>();

    /** Embeds by hash, failing any call that holds a text with "POISON" and answering NaN for "NAN". */
    private List<float[]> model(List<String> texts) {
        calls.add(List.copyOf(texts));
        List<float[]> out = new ArrayList<>();
        for (String t : texts) {
            if (t.contains("POISON")) {
                throw new IllegalArgumentException("cannot run the model on '" + t + "'");
            }
            out.add(t.contains("NAN") ? new float[] {Float.NaN, 0, 0, 0} : HashEmbedder.vectorOf(t));
        }
        return out;
    }

    private static List<Text<String>> texts(String... ownerAndText) {
        List<Text<String>> texts = new ArrayList<>();
        for (int i = 0; i < ownerAndText.length; i += 2) {
            texts.add(new Text<>(ownerAndText[i], "key:" + ownerAndText[i + 1], ownerAndText[i + 1]));
        }
        return texts;
    }

    @Test
    void everyFailureIsJudgedOnceAsDocumentTransientOrEnvironment() {
        assertThat(FailurePolicy.blame(new IllegalStateException("HTTP 400: input too long"))).isEqualTo(Blame.DOCUMENT);
        assertThat(FailurePolicy.blame(new TransientEmbeddingException("HTTP 503"))).isEqualTo(Blame.TRANSIENT);
        assertThat(FailurePolicy.blame(new IllegalStateException("wrapped", new java.net.http.HttpTimeoutException("slow")))).isEqualTo(Blame.TRANSIENT);
        assertThat(FailurePolicy.blame(new java.io.UncheckedIOException(new java.net.ConnectException("refused")))).isEqualTo(Blame.TRANSIENT);
        assertThat(FailurePolicy.blame(new EnvironmentEmbeddingException("HTTP 401: bad key"))).isEqualTo(Blame.ENVIRONMENT);
        assertThat(FailurePolicy.blame(new IllegalStateException("interrupted", new InterruptedException()))).isEqualTo(Blame.ENVIRONMENT);
    }

    @Test
    void aDocumentTheModelFailsOnIsFoundBySplittingTheCallByDocument() {
        Outcome<String> outcome = POLICY.embed(texts("a", "one", "b", "two", "c", "three", "d", "a POISON line", "d", "four",
                "e", "five", "f", "six"), this::model);
        assertThat(outcome.failed()).containsOnlyKeys("d");
        assertThat(outcome.failed().get("d")).contains("cannot run the model on 'a POISON line'");
        assertThat(outcome.vectors()).containsKeys("key:one", "key:two", "key:three", "key:five", "key:six");
        assertThat(calls.size()).isLessThanOrEqualTo(1 + 2 * 3); // halves down to "d", not one call per document
        assertThat(calls).contains(List.of("a POISON line", "four")); // "d" alone, both its texts
    }

    @Test
    void aNonFiniteVectorPutsItsDocumentAtFault() {
        Outcome<String> outcome = POLICY.embed(texts("a", "one", "b", "NAN here", "c", "three"), this::model);
        assertThat(outcome.failed()).containsOnlyKeys("b");
        assertThat(outcome.failed().get("b")).contains("NaN or infinite");
    }

    @Test
    void transientFailuresAreRetriedAndBlameNoDocument() {
        AtomicInteger failures = new AtomicInteger(2);
        Outcome<String> outcome = POLICY.embed(texts("a", "one", "b", "two"), flaky(failures));
        assertThat(outcome.failed()).isEmpty();
        assertThat(calls).hasSize(3).allMatch(c -> c.size() == 2); // the same call again, never split
    }

    @Test
    void transientFailuresBeyondTheRetryBudgetFailTheTask() {
        FailurePolicy tight = new FailurePolicy(Duration.ofMillis(50), Duration.ofMillis(20));
        assertThatThrownBy(() -> tight.embed(texts("a", "one", "b", "two"), flaky(new AtomicInteger(1_000))))
                .isInstanceOfSatisfying(EmbeddingFailure.class, e -> assertThat(e.blame()).isEqualTo(Blame.TRANSIENT))
                .hasMessageContaining("retry budget");
        assertThat(calls).allMatch(c -> c.size() == 2);
        assertThat(calls.size()).isBetween(2, 4);
    }

    @Test
    void anEnvironmentFailureFailsTheTaskAtOnceWithoutSplittingOrBlamingADocument() {
        Function<List<String>, List<float[]>> rejected = texts -> {
            calls.add(List.copyOf(texts));
            throw new EnvironmentEmbeddingException("the embedding server answered HTTP 401: invalid api key");
        };
        assertThatThrownBy(() -> POLICY.embed(texts("a", "one", "b", "two", "c", "three"), rejected))
                .isInstanceOfSatisfying(EmbeddingFailure.class, e -> assertThat(e.blame()).isEqualTo(Blame.ENVIRONMENT))
                .hasMessageContaining("401");
        assertThat(calls).hasSize(1);
    }

    @Test
    void aModelFailingOnEveryDocumentOfASplitCallIsTheEnvironment() {
        FailurePolicy policy = new FailurePolicy(Duration.ofSeconds(1), Duration.ofMillis(1));
        List<String> owners = List.of("a", "b", "c");
        assertThatThrownBy(() -> policy.judge(owners, Map.of("a", "x", "b", "y", "c", "z")))
                .isInstanceOfSatisfying(EmbeddingFailure.class, e -> assertThat(e.blame()).isEqualTo(Blame.ENVIRONMENT))
                .hasMessageContaining("the model is at fault");
        policy.judge(List.of("a", "b"), Map.of("a", "x", "b", "y")); // two alone: too few to judge the model
    }

    @Test
    void failingDocumentsInARowFailTheTaskUnlessOneSucceedsInBetween() {
        FailurePolicy policy = new FailurePolicy(Duration.ofSeconds(1), Duration.ofMillis(1));
        for (int i = 1; i < FailurePolicy.MAX_CONSECUTIVE_FAILURES; i++) {
            policy.judge(List.of("bad" + i), Map.of("bad" + i, "no"));
        }
        policy.judge(List.of("good"), Map.of()); // resets the run
        for (int i = 1; i < FailurePolicy.MAX_CONSECUTIVE_FAILURES; i++) {
            policy.judge(List.of("bad" + i), Map.of("bad" + i, "no"));
        }
        assertThatThrownBy(() -> policy.judge(List.of("last"), Map.of("last", "no"))).hasMessageContaining("in a row");
    }

    @Test
    void anErrorIsNeverCaught() {
        assertThatThrownBy(() -> POLICY.embed(texts("a", "one"), t -> {
            throw new InternalError("native failure");
        })).isInstanceOf(InternalError.class);
    }

    private Function<List<String>, List<float[]>> flaky(AtomicInteger failures) {
        return texts -> {
            if (failures.getAndDecrement() > 0) {
                calls.add(List.copyOf(texts));
                throw new TransientEmbeddingException("HTTP 503: scripted");
            }
            return model(texts);
        };
    }
}
