package io.semdex.ingest;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops a document version older than the newest one seen for its id, so a late, out-of-order
 * record never overwrites newer content. The newest version lives in keyed state, checkpointed
 * together with the Kafka offsets, and survives a delete: an old update arriving after a newer
 * delete stays dropped. Records without an {@code updated} time carry no order and always apply.
 * Runs before splitting and embedding, so a stale record costs nothing downstream.
 */
final class VersionFilter extends KeyedProcessFunction<String, ParsedChange, ParsedChange> {

    private static final Logger LOG = LoggerFactory.getLogger(VersionFilter.class);

    private transient ValueState<Long> newest;
    private transient Counter stale;

    @Override
    public void open(OpenContext openContext) {
        newest = getRuntimeContext().getState(new ValueStateDescriptor<>("newest-version", Long.class));
        stale = getRuntimeContext().getMetricGroup().counter("semdexStaleIgnored");
    }

    @Override
    public void processElement(ParsedChange change, Context ctx, Collector<ParsedChange> out) throws Exception {
        long version = change.isDelete() ? 0 : change.document().source().updatedMillis();
        Long seen = newest.value();
        if (version > 0 && seen != null && version < seen) {
            stale.inc();
            LOG.debug("Ignored version {} of '{}': version {} is already indexed", version, change.docId(), seen);
            return;
        }
        if (version > 0) {
            newest.update(seen == null ? version : Math.max(seen, version));
        }
        out.collect(change);
    }
}
