package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The splitter counts with the tokenizer of the very spec the job embeds with. */
class SpecTokenCounterTest {

    private static final String TEXT = "Flink checkpoints the Kafka offsets deterministically: 苹果很甜。";

    @Test
    void aDirSpecCountsWithTheTokenizerInThatDirectory(@TempDir Path temp) throws Exception {
        Path zh = copyTokenizer(ModelPresets.DEFAULT, Files.createDirectories(temp.resolve("zh")).resolve("tokenizer.json"));
        Path en = copyTokenizer("all-minilm-l6-v2", Files.createDirectories(temp.resolve("en")).resolve("tokenizer.json"));
        int zhCount = TokenCounter.forSpec(EmbedderSpec.defaultModel()).count(TEXT);
        int enCount = TokenCounter.forSpec(EmbedderSpec.parse("all-minilm-l6-v2")).count(TEXT);
        assertThat(zhCount).as("the two tokenizers must tell apart").isNotEqualTo(enCount);

        // Qwen3's default folder holds nothing here: only dir= can supply a tokenizer.
        Splitter fromZh = Splitter.forModel(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + zh.getParent()), 200);
        Splitter fromEn = Splitter.forModel(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + en.getParent()), 200);

        assertThat(fromZh.tokens().count(TEXT)).isEqualTo(zhCount);
        assertThat(fromEn.tokens().count(TEXT)).isEqualTo(enCount);
    }

    @Test
    void aSpecsMaxTokensLowersTheBudget() {
        assertThat(Splitter.forModel(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/nowhere&max-tokens=64"), 200).maxTokens())
                .isEqualTo(64 - 2 - Splitter.CONTEXT_RESERVE);
    }

    @Test
    void aRemoteSpecWithATokenizerCountsExactly(@TempDir Path temp) throws Exception {
        Path tokenizer = copyTokenizer(ModelPresets.DEFAULT, temp.resolve("served-model-tokenizer.json"));
        TokenCounter counter = TokenCounter.forSpec(
                EmbedderSpec.parse("bge-small-zh-v1.5?url=http://gpu-host:8000/v1&remote-model=bge&tokenizer=" + tokenizer));

        assertThat(counter.count(TEXT)).isEqualTo(TokenCounter.forSpec(EmbedderSpec.defaultModel()).count(TEXT));
    }

    @Test
    void aRemoteSpecWithoutATokenizerUsesTheConservativeEstimate() throws Exception {
        EmbedderSpec spec = EmbedderSpec.parse("bge-small-zh-v1.5?url=http://gpu-host:8000/v1&remote-model=bge");
        Splitter splitter = Splitter.forModel(spec, 200);
        TokenCounter counter = splitter.tokens();

        assertThat(counter.count("苹果很甜。")).as("15 UTF-8 bytes / 2").isEqualTo(8);
        assertThat(counter.count("offset 1234")).as("one per character").isEqualTo(11);
        assertThat(counter.count(TEXT)).as("never below the real count")
                .isGreaterThanOrEqualTo(TokenCounter.forSpec(EmbedderSpec.defaultModel()).count(TEXT));
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(splitter); // travels in the job graph
            out.writeObject(Splitter.forModel(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/models/q"), 200));
        }
    }

    private static Path copyTokenizer(String preset, Path target) throws Exception {
        return Files.copy(EmbedderSpec.parse(preset).preset().files().tokenizerPath(), target);
    }
}
