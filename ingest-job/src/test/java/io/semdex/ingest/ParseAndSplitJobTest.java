package io.semdex.ingest;

import static io.semdex.ingest.BadRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.DeadLetter;
import io.semdex.core.Json;
import io.semdex.core.SplitDocument;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/**
 * The job's parse and split stages on a real Flink MiniCluster: every bad record goes to the
 * dead-letter side output with its reason, hostile markup is parsed, and the good records around
 * them are all split — the job finishes instead of failing.
 */
class ParseAndSplitJobTest {

    @Test
    void badRecordsAreDeadLetteredAndTheJobKeepsSplittingTheRest() throws Exception {
        List<KafkaRecord> records = new ArrayList<>();
        List<String> goodIds = new ArrayList<>();
        long offset = 0;
        for (BadRecords.Bad bad : BadRecords.all()) {
            records.add(new KafkaRecord(bad.key(), bad.value(), "documents", 0, offset++));
            String id = "good-" + offset;
            goodIds.add(id);
            records.add(new KafkaRecord(utf8(id), utf8("{\"id\":\"" + id + "\",\"body\":\"# Title\\n\\nGood text " + offset + ".\"}"),
                    "documents", 0, offset++));
        }
        for (String body : BadRecords.hostileBodies()) {
            String id = "hostile-" + offset;
            goodIds.add(id);
            byte[] value = Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().put("id", id).put("body", body).put("format", "html"));
            records.add(new KafkaRecord(utf8(id), value, "documents", 0, offset++));
        }

        Configuration conf = new Configuration();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        SingleOutputStreamOperator<ParsedChange> parsed = env
                .fromData(records, TypeInformation.of(KafkaRecord.class))
                .process(new ParseFunction(BadRecords.MAX_BYTES));
        CloseableIterator<DeadLetter> deadLetters = parsed.getSideOutput(ParseFunction.DEAD_LETTERS).collectAsync();
        CloseableIterator<SplitDocument> split = parsed.process(new SplitFunction(Splitter.withDefaults())).collectAsync();
        env.execute("parse and split");

        List<String> reasons = new ArrayList<>();
        deadLetters.forEachRemaining(letter -> reasons.add(letter.reason()));
        List<String> splitIds = new ArrayList<>();
        split.forEachRemaining(doc -> {
            splitIds.add(doc.docId());
            if (doc.docId().startsWith("good-")) {
                assertThat(doc.units()).as(doc.docId()).extracting(u -> u.text()).containsExactly(
                        "Good text " + doc.docId().substring(5) + ".");
            }
        });

        assertThat(reasons).hasSize(BadRecords.all().size());
        for (int i = 0; i < reasons.size(); i++) {
            assertThat(reasons.get(i)).as(BadRecords.all().get(i).name()).contains(BadRecords.all().get(i).reason());
        }
        assertThat(splitIds).containsExactlyElementsOf(goodIds);
    }
}
