package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.core.DocumentJson;
import io.semdex.core.InvalidDocumentException;
import io.semdex.ingest.RecordParser;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SplitStatsCommandTest {

    @Test
    void everyCorruptionOfAGoodRecordIsOneTheJobDeadLetters() throws Exception {
        byte[] key = "faq/priority.html".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{\"id\":\"faq/priority.html\",\"title\":\"Priority\",\"body\":\"<p>Enable it.</p>\",\"format\":\"html\"}"
                .getBytes(StandardCharsets.UTF_8);
        RecordParser parser = new RecordParser(DocumentJson.DEFAULT_MAX_BYTES);
        assertThat(parser.parse(key, value).isDelete()).isFalse();
        for (SplitStatsCommand.Corruption kind : SplitStatsCommand.Corruption.values()) {
            byte[][] broken = SplitStatsCommand.corrupt(kind, key, value);
            assertThatThrownBy(() -> parser.parse(broken[0], broken[1])).as(kind.name()).isInstanceOf(InvalidDocumentException.class);
        }
    }
}
