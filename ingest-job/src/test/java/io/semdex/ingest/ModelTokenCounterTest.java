package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.embed.EmbedderSpec;
import org.junit.jupiter.api.Test;

class ModelTokenCounterTest {

    private final TokenCounter counter = TokenCounter.forSpec(EmbedderSpec.defaultModel());

    @Test
    void countsWithTheModelsOwnTokenizerWithoutSpecialTokensOrTruncation() {
        assertThat(counter.count("")).isZero();
        assertThat(counter.count("苹果很甜。")).isEqualTo(5); // bge-small-zh: one token per Chinese character
        assertThat(counter.count("priority")).isGreaterThanOrEqualTo(1);
        String longText = "消息队列支持优先级。".repeat(200);
        assertThat(counter.count(longText)).as("no truncation at the model's 512").isEqualTo(2000);
    }

    @Test
    void theJobsBudgetIsLoweredForModelsWithShortInputs() {
        assertThat(Splitter.forModel(EmbedderSpec.defaultModel(), 200).maxTokens()).isEqualTo(200);
        assertThat(Splitter.forModel(EmbedderSpec.parse("all-minilm-l6-v2"), 200).maxTokens()).isEqualTo(128 - 2 - Splitter.CONTEXT_RESERVE);
    }
}
