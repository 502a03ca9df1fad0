package io.semdex.ingest;

import io.semdex.core.DeadLetter;
import io.semdex.core.SplitDocument;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits each parsed upsert into its units; deletes pass through. A document the splitter fails on
 * goes to the {@link #DEAD_LETTERS} side output with stage {@code split} (counted in the accumulator
 * {@code semdex.dead-letters.split}) and the job goes on; an {@link Error} still fails the task.
 */
final class SplitFunction extends ProcessFunction<ParsedChange, SplitDocument> {

    static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters-split") {};
    private static final Logger LOG = LoggerFactory.getLogger(SplitFunction.class);

    private final Splitter splitter;
    private final FaultInjection faults;
    private transient Counter deadLettered;
    private transient LongCounter deadLetters;

    SplitFunction(Splitter splitter) {
        this(splitter, FaultInjection.NONE);
    }

    /** @param faults tests' hook, called before each document is split; {@link FaultInjection#NONE} in production */
    SplitFunction(Splitter splitter, FaultInjection faults) {
        this.splitter = splitter;
        this.faults = faults;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLettered = getRuntimeContext().getMetricGroup().counter("semdexDeadLettered");
        deadLetters = getRuntimeContext().getLongCounter(DeadLetter.Stage.SPLIT.accumulatorName());
    }

    @Override
    public void processElement(ParsedChange change, Context ctx, Collector<SplitDocument> out) {
        if (change.isDelete()) {
            out.collect(new SplitDocument(change.docId(), 0L, true, List.of(), change.origin()));
            return;
        }
        ParsedDocument doc = change.document();
        SplitDocument split;
        try {
            if (faults != null) {
                faults.beforeSplit(change);
            }
            split = new SplitDocument(change.docId(), doc.source().updatedMillis(), false, splitter.split(doc), change.origin());
        } catch (RuntimeException e) {
            DeadLetter letter = DeadLetter.of(change.origin(), change.docId(), DeadLetter.Stage.SPLIT,
                    "cannot split '" + change.docId() + "': " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            deadLettered.inc();
            deadLetters.add(1L);
            LOG.warn("Dead-lettered {} at split: {}", letter.origin().describe(), letter.reason());
            ctx.output(DEAD_LETTERS, letter);
            return;
        }
        out.collect(split);
    }
}
