package io.semdex.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Reads the files of an export, each given by its number in the {@link ExportFiles#scan} listing, and
 * emits their records as input-topic records, read by the same {@link ExportFiles} code as
 * {@code semdex produce}, so parse, split and embed see what they would see from Kafka. A record's
 * origin ({@code file:docs/faq.html}, {@code file:export.jsonl:12}) stands in for its topic, the
 * file number for its partition, and its position in the export (file number × 2³² + record
 * number) for its offset: the reindex orders a document's records by it. Records that break the
 * input contract are emitted too, so that parsing dead-letters them with their reason.
 */
final class ExportRecords extends RichFlatMapFunction<Long, KafkaRecord> {

    /** Accumulator: records read from the export. */
    static final String RECORDS_READ = "semdex.records-read";
    /** Accumulator: records read that break the input contract (parsing dead-letters them). */
    static final String RECORDS_INVALID = "semdex.records-invalid";

    private final String root;
    private final ExportFiles.Options options;
    private final List<String> files;
    private transient ExportFiles export;
    private transient LongCounter read;
    private transient LongCounter invalid;

    ExportRecords(String root, ExportFiles.Options options, List<String> files) {
        this.root = root;
        this.options = options;
        this.files = List.copyOf(files);
    }

    @Override
    public void open(OpenContext context) {
        export = ExportFiles.reader(Path.of(root), options);
        read = getRuntimeContext().getLongCounter(RECORDS_READ);
        invalid = getRuntimeContext().getLongCounter(RECORDS_INVALID);
    }

    @Override
    public void flatMap(Long number, Collector<KafkaRecord> out) throws IOException {
        if (number >= files.size()) {
            return; // the one number of the sequence that stands for an export without files
        }
        int file = number.intValue();
        long[] position = {(long) file << 32};
        export.read(Path.of(files.get(file)), record -> {
            read.add(1);
            if (!record.valid()) {
                invalid.add(1);
            }
            out.collect(new KafkaRecord(record.key(), record.value(), "file:" + record.origin(), file, position[0]++));
        });
    }
}
