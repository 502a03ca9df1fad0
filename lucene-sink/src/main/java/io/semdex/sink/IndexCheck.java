package io.semdex.sink;

import io.semdex.core.DeadLetter;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.IndexableFieldType;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last stage before the {@link LuceneSink}, in the sink's task: builds each document's Lucene
 * documents exactly as the sink will ({@link UnitDocuments}) and checks them against Lucene's limits,
 * so that a document Lucene would refuse goes to the {@link #DEAD_LETTERS} side output with stage
 * {@code index} (counted in the accumulator {@code semdex.dead-letters.index}) instead of failing the
 * sink, which cannot side-output, over and over. Deletes pass untouched; the sink's I/O failures
 * still fail the task.
 *
 * <p>Checked: every keyword term and sorted doc value at most {@link IndexWriter#MAX_TERM_LENGTH}
 * UTF-8 bytes; the vector's dimension equal to the index's, its values finite; and whatever
 * {@link UnitDocuments#toDocument} itself refuses (a missing required value).
 *
 * <pre>{@code
 * embedded.process(new IndexCheck(manifest.dimensions())).uid("index-check")
 *         .sinkTo(LuceneSink.builder()…build());
 * }</pre>
 */
public final class IndexCheck extends ProcessFunction<EmbeddedDocument, EmbeddedDocument> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(IndexCheck.class);

    /** Documents Lucene would refuse, as dead letters with stage {@code index}. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters-index", TypeInformation.of(DeadLetter.class));

    private final int dimensions;
    private transient Counter deadLettered;
    private transient LongCounter deadLetterCount;

    /** @param dimensions the index's vector dimensions; 0 to accept any */
    public IndexCheck(int dimensions) {
        if (dimensions < 0) {
            throw new IllegalArgumentException("dimensions must be >= 0, got " + dimensions);
        }
        this.dimensions = dimensions;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLettered = getRuntimeContext().getMetricGroup().counter("semdexDeadLettered");
        deadLetterCount = getRuntimeContext().getLongCounter(DeadLetter.Stage.INDEX.accumulatorName());
    }

    @Override
    public void processElement(EmbeddedDocument doc, Context ctx, Collector<EmbeddedDocument> out) {
        if (!doc.deleted()) {
            String problem = problem(doc, dimensions);
            if (problem != null) {
                DeadLetter letter = DeadLetter.of(doc.origin(), doc.docId(), DeadLetter.Stage.INDEX,
                        "cannot index '" + doc.docId() + "': " + problem);
                deadLettered.inc();
                deadLetterCount.add(1L);
                LOG.warn("Dead-lettered {} at index: {}", letter.origin().describe(), letter.reason());
                ctx.output(DEAD_LETTERS, letter);
                return;
            }
        }
        out.collect(doc);
    }

    /** Why Lucene would refuse one of the document's units, or null when it would take them all. */
    static String problem(EmbeddedDocument doc, int dimensions) {
        for (EmbeddedUnit unit : doc.units()) {
            try {
                check(UnitDocuments.toDocument(unit, doc.updatedMillis()), dimensions);
            } catch (RuntimeException e) {
                return "unit '" + unit.unit().unitId() + "': " + (e.getMessage() != null ? e.getMessage() : e.toString());
            }
        }
        return null;
    }

    /** @throws IllegalArgumentException naming the field and the limit it breaks */
    static void check(Document document, int dimensions) {
        for (IndexableField field : document) {
            IndexableFieldType type = field.fieldType();
            boolean keyword = type.indexOptions() != IndexOptions.NONE && !type.tokenized();
            boolean sorted = type.docValuesType() == DocValuesType.SORTED || type.docValuesType() == DocValuesType.SORTED_SET;
            if (keyword || sorted) {
                int bytes = termBytes(field);
                if (bytes > IndexWriter.MAX_TERM_LENGTH) {
                    throw new IllegalArgumentException(String.format(
                            "field '%s' holds a %d-byte value; Lucene keeps keyword and sorted values of at most %d bytes (UTF-8)",
                            field.name(), bytes, IndexWriter.MAX_TERM_LENGTH));
                }
            }
            if (type.vectorDimension() > 0) {
                if (dimensions > 0 && type.vectorDimension() != dimensions) {
                    throw new IllegalArgumentException(String.format(
                            "field '%s' has a %d-dimensional vector; the index has %d dimensions",
                            field.name(), type.vectorDimension(), dimensions));
                }
                if (field instanceof KnnFloatVectorField knn) {
                    float[] vector = knn.vectorValue();
                    for (int i = 0; i < vector.length; i++) {
                        if (!Float.isFinite(vector[i])) {
                            throw new IllegalArgumentException(String.format(
                                    "field '%s' has a non-finite value %s at index %d", field.name(), vector[i], i));
                        }
                    }
                }
            }
        }
    }

    private static int termBytes(IndexableField field) {
        BytesRef binary = field.binaryValue();
        if (binary != null) {
            return binary.length;
        }
        String s = field.stringValue();
        return s == null ? 0 : new BytesRef(s).length;
    }
}
