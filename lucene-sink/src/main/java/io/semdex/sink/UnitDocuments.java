package io.semdex.sink;

import io.semdex.core.EmbeddedUnit;
import io.semdex.core.IndexFields;
import io.semdex.core.Unit;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.NumericUtils;

/** Turns an embedded unit into the Lucene document the index contract ({@link IndexFields}) describes. */
public final class UnitDocuments {

    private UnitDocuments() {}

    public static Document toDocument(EmbeddedUnit embedded, long updatedMillis) {
        Unit unit = embedded.unit();
        Document doc = new Document();
        doc.add(new StringField(IndexFields.UNIT_ID, unit.unitId(), Field.Store.YES));
        // Doc values give the searcher a deterministic tie-break between equal scores without stored-field reads.
        doc.add(new SortedDocValuesField(IndexFields.UNIT_ID, new BytesRef(unit.unitId())));
        doc.add(new StringField(IndexFields.DOC_ID, unit.docId(), Field.Store.YES));
        doc.add(new SortedDocValuesField(IndexFields.DOC_ID, new BytesRef(unit.docId())));
        doc.add(new StoredField(IndexFields.ORDINAL, unit.ordinal()));
        doc.add(new TextField(IndexFields.TEXT, unit.text(), Field.Store.YES));
        addText(doc, IndexFields.TITLE, unit.title());
        if (!unit.headingPath().isEmpty()) {
            doc.add(new StoredField(IndexFields.HEADINGS, String.join(" › ", unit.headingPath())));
        }
        addStored(doc, IndexFields.URL, unit.url());
        addKeyword(doc, IndexFields.SOURCE, unit.source());
        addKeyword(doc, IndexFields.LANG, unit.lang());
        // Vectors are normalized, so the dot product is the cosine (and cheaper to compute).
        doc.add(new KnnFloatVectorField(IndexFields.VECTOR, embedded.vector(), VectorSimilarityFunction.DOT_PRODUCT));
        doc.add(new StringField(IndexFields.HASH, unit.hash(), Field.Store.YES));
        addStored(doc, IndexFields.VECTOR_KEY, embedded.vectorKey());
        doc.add(new LongPoint(IndexFields.UPDATED, updatedMillis));
        doc.add(new NumericDocValuesField(IndexFields.UPDATED, updatedMillis));
        doc.add(new StoredField(IndexFields.UPDATED, updatedMillis));
        for (Map.Entry<String, Object> field : unit.fields().entrySet()) {
            addMetadata(doc, IndexFields.FIELD_PREFIX + field.getKey(), field.getValue());
        }
        return doc;
    }

    /** Numbers become points + doc values (range filters, sorting); everything else a keyword. */
    private static void addMetadata(Document doc, String name, Object value) {
        if (value instanceof Number number) {
            double d = number.doubleValue();
            doc.add(new DoublePoint(name, d));
            doc.add(new SortedNumericDocValuesField(name, NumericUtils.doubleToSortableLong(d)));
            doc.add(new StoredField(name, d));
        } else if (value instanceof Iterable<?> values) {
            for (Object v : values) {
                addMetadata(doc, name, v);
            }
        } else if (value != null) {
            String s = value.toString();
            doc.add(new StringField(name, s, Field.Store.YES));
            doc.add(new SortedSetDocValuesField(name, new BytesRef(s)));
        }
    }

    private static void addText(Document doc, String name, String value) {
        if (value != null && !value.isBlank()) {
            doc.add(new TextField(name, value, Field.Store.YES));
        }
    }

    private static void addKeyword(Document doc, String name, String value) {
        if (value != null && !value.isBlank()) {
            doc.add(new StringField(name, value, Field.Store.YES));
        }
    }

    private static void addStored(Document doc, String name, String value) {
        if (value != null && !value.isBlank()) {
            doc.add(new StoredField(name, value));
        }
    }
}
