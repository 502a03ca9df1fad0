package io.semdex.ingest;

import io.semdex.core.DeadLetter;
import io.semdex.core.InvalidDocumentException;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses raw records into parsed document changes (JSON contract, then the body by its format),
 * each carrying its record for later stages to dead-letter. A record that breaks the contract, or
 * whose body no parser can read, goes to the {@link #DEAD_LETTERS} side output with stage
 * {@code parse} and its reason, and is counted in the metric {@code semdexDeadLettered} and the
 * accumulator {@code semdex.dead-letters.parse}; the job never stops on bad input.
 */
final class ParseFunction extends ProcessFunction<KafkaRecord, ParsedChange> {

    static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters-parse") {};
    private static final Logger LOG = LoggerFactory.getLogger(ParseFunction.class);

    private final RecordParser parser;
    private transient Counter deadLettered;
    private transient LongCounter deadLetters;

    ParseFunction(int maxRecordBytes) {
        this.parser = new RecordParser(maxRecordBytes);
    }

    @Override
    public void open(OpenContext openContext) {
        deadLettered = getRuntimeContext().getMetricGroup().counter("semdexDeadLettered");
        deadLetters = getRuntimeContext().getLongCounter(DeadLetter.Stage.PARSE.accumulatorName());
    }

    @Override
    public void processElement(KafkaRecord record, Context ctx, Collector<ParsedChange> out) {
        ParsedChange change;
        try {
            change = parser.parse(record.key(), record.value());
        } catch (InvalidDocumentException e) {
            deadLettered.inc();
            deadLetters.add(1L);
            LOG.warn("Dead-lettered {}/{}/{} at parse: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            ctx.output(DEAD_LETTERS, new DeadLetter(record.origin(), DeadLetter.Stage.PARSE, e.getMessage()));
            return;
        }
        out.collect(change.withOrigin(record.origin()));
    }
}
