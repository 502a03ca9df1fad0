package io.semdex.embed;

import io.semdex.core.ContentHash;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.SplitDocument;
import io.semdex.core.Unit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The Flink stage that embeds documents: {@link SplitDocument} in, {@link EmbeddedDocument} out,
 * on a stream keyed by document id. One model instance per subtask, opened in {@link #open()} on
 * a GPU of the TaskManager's Flink GPU resource that no other subtask of this TaskManager uses, when
 * there is one free ({@link TaskManagerGpus}).
 *
 * <p>Documents wait in a buffer so units of many documents share model calls; a document is never
 * split across outputs, because the sink replaces a document's units as one block. The buffer is
 * flushed by {@link FlushPolicy}, and before every checkpoint barrier
 * ({@link #prepareSnapshotPreBarrier}), so no unit is ever held outside a checkpoint: everything
 * that arrived before a barrier leaves before it, and the buffer needs no state of its own.
 *
 * <p>Unchanged units are not embedded again: keyed state holds, per document, the vector of each
 * unit under its content hash and the model's {@link ModelPreset#fingerprint() fingerprint}.
 * Editing one paragraph of a re-sent document costs one paragraph of model time. The counters
 * {@code semdexUnitsEmbedded} and {@code semdexUnitsReused} say how many units took which road.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<EmbeddedDocument> embedded =
 *         EmbedOperator.embed(split.keyBy(SplitDocument::docId), EmbedderSpec.parse("bge-small-zh-v1.5"));
 * }</pre>
 */
public final class EmbedOperator extends AbstractStreamOperator<EmbeddedDocument>
        implements OneInputStreamOperator<SplitDocument, EmbeddedDocument>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final EmbedderFactory factory;
    private final String fingerprint;
    private final FlushPolicy flushPolicy;

    private transient Embedder embedder;
    private transient TaskManagerGpus.Lease gpu;
    private transient FlushPolicy policy;
    private transient MapState<String, float[]> storedVectors;
    private transient ArrayDeque<Pending> buffer;
    private transient int bufferedUnits;
    private transient long bufferStartedAt;
    private transient boolean timerPending;
    private transient Counter unitsEmbedded;
    private transient Counter unitsReused;

    /**
     * @param fingerprint what a stored vector depends on besides the text; stored vectors made under
     *     another fingerprint (another model, dimension count, prefix) are never reused
     * @param flushPolicy when to flush, or null for the default of the device the model opens on
     */
    public EmbedOperator(EmbedderFactory factory, String fingerprint, FlushPolicy flushPolicy) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
        this.flushPolicy = flushPolicy;
    }

    /** Adds the embedding stage for {@code spec} after {@code documents}. */
    public static SingleOutputStreamOperator<EmbeddedDocument> embed(KeyedStream<SplitDocument, String> documents, EmbedderSpec spec) {
        return embed(documents, spec, spec.preset().fingerprint(), null);
    }

    public static SingleOutputStreamOperator<EmbeddedDocument> embed(
            KeyedStream<SplitDocument, String> documents, EmbedderFactory factory, String fingerprint, FlushPolicy flushPolicy) {
        return documents.transform("embed", TypeInformation.of(EmbeddedDocument.class), new EmbedOperator(factory, fingerprint, flushPolicy));
    }

    /** One document waiting for its missing vectors. */
    private record Pending(SplitDocument doc, String[] keys, float[][] vectors, boolean hasTimestamp, long timestamp) {}

    @Override
    public void open() throws Exception {
        super.open();
        storedVectors = getRuntimeContext().getMapState(new MapStateDescriptor<>("unit-vectors", String.class, float[].class));
        buffer = new ArrayDeque<>();
        unitsEmbedded = getMetricGroup().counter("semdexUnitsEmbedded");
        unitsReused = getMetricGroup().counter("semdexUnitsReused");
        // Every slot of a TaskManager sees all of its GPUs; each subtask leases one of its own.
        List<String> gpus = gpuIndices();
        gpu = gpus.isEmpty() ? null : TaskManagerGpus.acquire(gpus);
        embedder = factory.open(new Slot(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                gpu == null ? List.of() : List.of(gpu.index())));
        policy = flushPolicy != null ? flushPolicy : FlushPolicy.defaultFor(embedder.info());
    }

    private List<String> gpuIndices() {
        List<String> indices = new ArrayList<>();
        for (ExternalResourceInfo gpu : getRuntimeContext().getExternalResourceInfos("gpu")) {
            Optional<String> index = gpu.getProperty("index");
            index.ifPresent(indices::add);
        }
        indices.sort(null);
        return indices;
    }

    @Override
    public void processElement(StreamRecord<SplitDocument> element) throws Exception {
        SplitDocument doc = element.getValue();
        List<Unit> units = doc.units();
        String[] keys = new String[units.size()];
        float[][] vectors = new float[units.size()][];
        int missing = 0;
        for (int i = 0; i < keys.length; i++) {
            keys[i] = reuseKey(units.get(i));
            vectors[i] = storedVectors.get(keys[i]);
            if (vectors[i] == null) {
                missing++;
            }
        }
        // Keep the timestamp, not the record: the runtime may reuse record objects.
        Pending pending = new Pending(doc, keys, vectors, element.hasTimestamp(), element.getTimestamp());
        if (missing == 0 && buffer.isEmpty()) {
            // Nothing to compute and nothing ahead of it: a delete or an unchanged re-send goes straight through.
            complete(pending, 0);
            return;
        }
        if (buffer.isEmpty()) {
            bufferStartedAt = getProcessingTimeService().getCurrentProcessingTime();
        }
        buffer.add(pending);
        bufferedUnits += missing;
        if (bufferedUnits >= policy.maxUnits()) {
            flush();
        } else {
            scheduleTimeout();
        }
    }

    /** Hashes exactly what the model would read, so any change to the text or its context re-embeds. */
    private String reuseKey(Unit unit) {
        return ContentHash.of(fingerprint, unit.embeddingInput());
    }

    private void scheduleTimeout() {
        if (!timerPending) {
            timerPending = true;
            getProcessingTimeService().registerTimer(bufferStartedAt + policy.maxDelay().toMillis(), this::onTimeout);
        }
    }

    private void onTimeout(long time) throws Exception {
        timerPending = false;
        if (buffer.isEmpty()) {
            return;
        }
        if (time >= bufferStartedAt + policy.maxDelay().toMillis()) {
            flush();
        } else {
            scheduleTimeout(); // the buffer was flushed by size since, and refilled later
        }
    }

    /** Embeds every missing unit in the buffer in one call, then emits the documents in arrival order. */
    private void flush() throws Exception {
        if (buffer.isEmpty()) {
            return;
        }
        Map<String, String> toEmbed = new LinkedHashMap<>();
        for (Pending p : buffer) {
            for (int i = 0; i < p.keys().length; i++) {
                if (p.vectors()[i] == null) {
                    toEmbed.putIfAbsent(p.keys()[i], p.doc().units().get(i).embeddingInput());
                }
            }
        }
        Map<String, float[]> fresh = new HashMap<>(toEmbed.size() * 2);
        if (!toEmbed.isEmpty()) {
            List<float[]> vectors = embedder.embedDocuments(new ArrayList<>(toEmbed.values()));
            int i = 0;
            for (String key : toEmbed.keySet()) {
                fresh.put(key, vectors.get(i++));
            }
        }
        Set<String> counted = new HashSet<>();
        while (!buffer.isEmpty()) {
            Pending p = buffer.poll();
            int embeddedHere = 0;
            for (int i = 0; i < p.keys().length; i++) {
                if (p.vectors()[i] == null) {
                    p.vectors()[i] = fresh.get(p.keys()[i]);
                    if (counted.add(p.keys()[i])) {
                        embeddedHere++; // a repeat of the same content in this flush is a reuse
                    }
                }
            }
            complete(p, embeddedHere);
        }
        bufferedUnits = 0;
    }

    /**
     * Records the document's vectors for reuse (only this version's, so state does not grow) and
     * emits it.
     *
     * @param embedded how many of its units were run through the model; the others were reused
     */
    private void complete(Pending p, int embedded) throws Exception {
        SplitDocument doc = p.doc();
        setCurrentKey(doc.docId());
        storedVectors.clear();
        EmbeddedDocument out;
        if (doc.deleted()) {
            out = EmbeddedDocument.delete(doc.docId());
        } else {
            List<EmbeddedUnit> units = new ArrayList<>(p.keys().length);
            Map<String, float[]> keep = new HashMap<>(p.keys().length * 2);
            for (int i = 0; i < p.keys().length; i++) {
                units.add(new EmbeddedUnit(doc.units().get(i), p.vectors()[i]));
                keep.put(p.keys()[i], p.vectors()[i]);
            }
            storedVectors.putAll(keep);
            out = new EmbeddedDocument(doc.docId(), doc.updatedMillis(), false, units);
        }
        unitsEmbedded.inc(embedded);
        unitsReused.inc(p.keys().length - embedded);
        output.collect(p.hasTimestamp() ? new StreamRecord<>(out, p.timestamp()) : new StreamRecord<>(out));
    }

    /** Units run through the model so far (the {@code semdexUnitsEmbedded} counter). */
    long unitsEmbedded() {
        return unitsEmbedded.getCount();
    }

    /** Units that got a stored or shared vector so far (the {@code semdexUnitsReused} counter). */
    long unitsReused() {
        return unitsReused.getCount();
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush(); // everything that arrived before the barrier leaves before it
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush(); // buffered documents must not become late behind the watermark
        super.processWatermark(mark);
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        try {
            if (embedder != null) {
                embedder.close();
            }
        } finally {
            if (gpu != null) {
                gpu.close();
            }
            super.close();
        }
    }
}
