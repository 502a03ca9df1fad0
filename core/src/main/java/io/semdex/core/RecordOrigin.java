package io.semdex.core;

import java.io.Serializable;

/**
 * Where a document change came from, kept with it through the pipeline so that a stage that
 * cannot handle it can dead-letter the record exactly as it arrived. Bounded by the input's record
 * size limit; deletes carry none, as a delete never needs dead-lettering.
 *
 * @param key the record's original key bytes, or null
 * @param value the record's original value bytes, or null
 * @param topic the input topic (or {@code file:<path>} for an export line)
 * @param partition the topic partition (or the reading subtask for an export)
 * @param offset the offset in the partition (or the line's position in the export)
 */
public record RecordOrigin(byte[] key, byte[] value, String topic, int partition, long offset) implements Serializable {

    /** The origin of a change that came with none (built in process, not read): its document id as the key, no value. */
    public static RecordOrigin unknown(String docId) {
        return new RecordOrigin(docId == null ? null : docId.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, "unknown", -1, -1);
    }

    /** {@code topic/partition/offset}, the form of the {@code semdex.source} header. */
    public String describe() {
        return topic + "/" + partition + "/" + offset;
    }
}
