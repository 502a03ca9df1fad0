package io.semdex.embed;

import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.SplitDocument;
import io.semdex.core.Unit;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/**
 * The Flink stage that embeds every unit of a document version, so the sink can replace the
 * document's units in one block. One model instance per task slot, loaded in {@link #open}.
 */
public final class EmbedFunction extends RichMapFunction<SplitDocument, EmbeddedDocument> {

    private final String presetId;
    private transient Embedder embedder;
    private transient Counter embeddedUnits;

    public EmbedFunction(String presetId) {
        ModelPresets.get(presetId); // fail at job build time, not in a task
        this.presetId = presetId;
    }

    @Override
    public void open(OpenContext openContext) {
        embedder = DjlEmbedder.open(ModelPresets.get(presetId));
        embeddedUnits = getRuntimeContext().getMetricGroup().counter("semdexEmbeddedUnits");
    }

    @Override
    public EmbeddedDocument map(SplitDocument document) {
        if (document.deleted()) {
            return EmbeddedDocument.delete(document.docId());
        }
        List<String> inputs = new ArrayList<>(document.units().size());
        for (Unit unit : document.units()) {
            inputs.add(unit.embeddingInput());
        }
        List<float[]> vectors = embedder.embedDocuments(inputs);
        List<EmbeddedUnit> units = new ArrayList<>(vectors.size());
        for (int i = 0; i < vectors.size(); i++) {
            units.add(new EmbeddedUnit(document.units().get(i), vectors.get(i)));
        }
        embeddedUnits.inc(units.size());
        return new EmbeddedDocument(document.docId(), document.updatedMillis(), false, units);
    }

    @Override
    public void close() {
        if (embedder != null) {
            embedder.close();
        }
    }
}
