package io.semdex.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Text → token ids exactly as a preset wants them: the tokenizer's own special tokens, truncation
 * at the preset's token limit, then the preset's appended token. Padding is left to the batch
 * builder (so it can pad on either side), which is why the tokenizer's own padding, e.g.
 * all-MiniLM's fixed 128, is turned off.
 */
final class ModelTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer truncating;
    private final Path tokenizerFile;
    private final long appendId;
    private final long padId;
    private final int maxTokens;
    private volatile HuggingFaceTokenizer counting;

    private ModelTokenizer(HuggingFaceTokenizer truncating, Path tokenizerFile, long appendId, long padId, int maxTokens) {
        this.truncating = truncating;
        this.tokenizerFile = tokenizerFile;
        this.appendId = appendId;
        this.padId = padId;
        this.maxTokens = maxTokens;
    }

    static ModelTokenizer load(ModelPreset preset) {
        Path file = preset.files().tokenizerPath();
        boolean appends = !preset.appendToken().isEmpty();
        HuggingFaceTokenizer tokenizer = build(file, appends ? preset.maxTokens() - 1 : preset.maxTokens());
        try {
            long appendId = appends ? singleId(tokenizer, preset.appendToken(), preset.id()) : -1;
            long padId = padId(tokenizer, preset);
            return new ModelTokenizer(tokenizer, file, appendId, padId, preset.maxTokens());
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static HuggingFaceTokenizer build(Path file, int maxLength) {
        try {
            HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optPadding(false)
                    .optAddSpecialTokens(true);
            if (maxLength > 0) {
                builder.optTruncation(true).optMaxLength(maxLength);
            } else {
                builder.optTruncation(false);
            }
            // DJL caps maxLength at modelMaxLength (512 unless told): Qwen3 reads up to 32k tokens.
            builder.configure(Map.of("modelMaxLength", Integer.toString(Math.max(512, maxLength))));
            return builder.build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer " + file, e);
        }
    }

    private static long singleId(HuggingFaceTokenizer tokenizer, String token, String presetId) {
        long[] ids = tokenizer.encode(token, false, false).getIds();
        if (ids.length != 1) {
            throw new IllegalStateException("the tokenizer of " + presetId + " does not know '" + token + "' as one token (got "
                    + Arrays.toString(ids) + "): is it the model's own tokenizer.json?");
        }
        return ids[0];
    }

    /**
     * The padding id: {@code pad_token} of {@code tokenizer_config.json} when there is one (Qwen3
     * pads with {@code <|endoftext|>}, not id 0), else the tokenizer's own padding id, else 0 (BERT's
     * {@code [PAD]}). Attention masks hide padding, so this matters for exactness, not meaning.
     */
    private static long padId(HuggingFaceTokenizer tokenizer, ModelPreset preset) {
        try {
            var config = preset.files().tokenizerConfigPath();
            if (config.isPresent()) {
                JsonNode pad = Json.MAPPER.readTree(config.get().toFile()).path("pad_token");
                String token = pad.isTextual() ? pad.asText() : pad.path("content").asText(null);
                if (token != null && !token.isEmpty()) {
                    return singleId(tokenizer, token, preset.id());
                }
            }
            JsonNode padding = Json.MAPPER.readTree(preset.files().tokenizerPath().toFile()).path("padding");
            return padding.path("pad_id").asLong(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer configuration of " + preset.id(), e);
        }
    }

    /** Token ids of each text, truncated to the preset's limit, with the appended token. */
    long[][] encode(List<String> texts) {
        Encoding[] encodings = truncating.batchEncode(texts.toArray(String[]::new));
        long[][] ids = new long[encodings.length][];
        for (int i = 0; i < encodings.length; i++) {
            long[] row = encodings[i].getIds();
            if (appendId >= 0) {
                row = Arrays.copyOf(row, row.length + 1);
                row[row.length - 1] = appendId;
            }
            ids[i] = row;
        }
        return ids;
    }

    /** How many tokens the model would see for {@code text} without truncation. */
    int count(String text) {
        HuggingFaceTokenizer tokenizer = counting;
        if (tokenizer == null) {
            synchronized (this) {
                if (counting == null) {
                    counting = build(tokenizerFile, -1);
                }
                tokenizer = counting;
            }
        }
        return tokenizer.encode(text, true, false).getIds().length + (appendId >= 0 ? 1 : 0);
    }

    long padId() {
        return padId;
    }

    /** The appended token's id, or -1 when the preset appends none. */
    long appendId() {
        return appendId;
    }

    int maxTokens() {
        return maxTokens;
    }

    @Override
    public void close() {
        truncating.close();
        HuggingFaceTokenizer c = counting;
        if (c != null) {
            c.close();
        }
    }
}
