package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import io.semdex.core.SourceDocument;
import io.semdex.core.Unit;
import io.semdex.embed.EmbedderSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Chinese Wikipedia paragraphs (XQuAD zh) split with the model tokenizer land on Chinese sentence ends. */
class ChineseSplittingTest {

    private static final Path CORPUS = Path.of(System.getProperty("semdex.shared.data", "../../shared/data"))
            .resolve("eval/xquad-zh/corpus.jsonl");
    private static final String SENTENCE_ENDS = "。！？；”」』）";

    @Test
    void chineseParagraphsAreSplitAtChineseSentenceEndsWithinTheBudget() throws IOException {
        Splitter splitter = Splitter.forModel(EmbedderSpec.defaultModel(), 64);
        List<String> lines = Files.readAllLines(CORPUS);
        int units = 0;
        int cutInsideSentence = 0;
        for (String line : lines.subList(0, 60)) {
            JsonNode row = Json.MAPPER.readTree(line);
            String text = row.get("text").asText().replace("\uFEFF", ""); // a BOM is dropped as a format character
            List<Unit> split = splitter.split(new SourceDocument(row.get("_id").asText(), null, text, "text", null, null,
                    "zh", null, List.of(), java.util.Map.of()));
            assertThat(String.join("", split.stream().map(Unit::text).toList()).replaceAll("\\s+", ""))
                    .isEqualTo(text.replaceAll("\\s+", ""));
            for (int i = 0; i < split.size(); i++) {
                String unit = split.get(i).text();
                assertThat(splitter.tokens().count(unit)).isLessThanOrEqualTo(64);
                boolean last = i == split.size() - 1;
                boolean atSentenceEnd = SENTENCE_ENDS.indexOf(unit.charAt(unit.length() - 1)) >= 0;
                if (!last && !atSentenceEnd) {
                    // Allowed only where one sentence alone is over budget: then this unit ends inside it.
                    int lastEnd = -1;
                    for (int c = 0; c < unit.length(); c++) {
                        lastEnd = SENTENCE_ENDS.indexOf(unit.charAt(c)) >= 0 ? c : lastEnd;
                    }
                    String tail = unit.substring(lastEnd + 1).replaceAll("\\s+", "");
                    assertThat(SentenceSplitter.split(text).stream().anyMatch(s -> s.replaceAll("\\s+", "").contains(tail)
                            && splitter.tokens().count(s) > 64)).as("unit '%s' ends mid-sentence", unit).isTrue();
                    cutInsideSentence++;
                }
                units++;
            }
        }
        assertThat(units).isGreaterThan(120);
        assertThat(cutInsideSentence).as("few sentences are over 64 tokens").isLessThan(units / 4);
    }
}
