package io.semdex.core;

/**
 * Field names of a shard's Lucene documents: the contract between the sink that writes them and
 * the searcher that reads them. One Lucene document per {@link Unit}.
 */
public final class IndexFields {

    /** Unit id, the primary key of a Lucene document. Keyword, stored. */
    public static final String UNIT_ID = "unit_id";
    /** Document id; all units of a document are replaced or deleted by this term. Keyword, stored. */
    public static final String DOC_ID = "doc_id";
    /** Unit ordinal within its document. Stored. */
    public static final String ORDINAL = "ordinal";
    /** Unit text. Analyzed for BM25, stored for display. */
    public static final String TEXT = "text";
    /** Document title. Analyzed for BM25, stored. */
    public static final String TITLE = "title";
    /** Heading path, joined with " › ". Stored. */
    public static final String HEADINGS = "headings";
    public static final String URL = "url";
    public static final String SOURCE = "source";
    public static final String LANG = "lang";
    /** Normalized embedding; dot product of normalized vectors is their cosine. */
    public static final String VECTOR = "vector";
    /** Content hash of the embedded input ({@link Unit#hash()}). Keyword, stored. */
    public static final String HASH = "hash";
    /**
     * The vector's key: the model's fingerprint and the embedded input, hashed ({@link EmbeddedUnit#vectorKey()}).
     * Stored; absent in units written before it was recorded. The embed stage reuses the vector of a unit
     * that comes again with the same key ({@link StoredVectors}).
     */
    public static final String VECTOR_KEY = "vector_key";
    /** Document version time, epoch millis. Numeric doc values + stored. */
    public static final String UPDATED = "updated";
    /** Prefix of metadata fields from {@link SourceDocument#fields()}: {@code field.brand}. */
    public static final String FIELD_PREFIX = "field.";

    private IndexFields() {}
}
