package io.semdex.ingest;

import io.semdex.core.InvalidDocumentException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses raw records into parsed document changes (JSON contract, then the body by its format). A
 * record that breaks the contract, or whose body no parser can read, goes to the
 * {@link #DEAD_LETTERS} side output with its reason and is counted in {@code semdexDeadLettered};
 * the job never stops on bad input.
 */
final class ParseFunction extends ProcessFunction<KafkaRecord, ParsedChange> {

    static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    private static final Logger LOG = LoggerFactory.getLogger(ParseFunction.class);

    private final RecordParser parser;
    private transient Counter deadLettered;

    ParseFunction(int maxRecordBytes) {
        this.parser = new RecordParser(maxRecordBytes);
    }

    @Override
    public void open(OpenContext openContext) {
        deadLettered = getRuntimeContext().getMetricGroup().counter("semdexDeadLettered");
    }

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<ParsedChange> out) {
        try {
            out.collect(parser.parse(record.key(), record.value()));
        } catch (InvalidDocumentException e) {
            deadLettered.inc();
            LOG.warn("Dead-lettered {}/{}/{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            ctx.output(DEAD_LETTERS, new DeadLetter(record, e.getMessage()));
        }
    }
}
