package io.semdex.core;

import java.io.Serializable;

/**
 * Where a document change came from, kept with it through the pipeline so that a stage that
 * cannot handle it can dead-letter the record exactly as it arrived, and so that changes that
 * reach the embed stage by different lanes can be ordered by when Kafka accepted them. Bounded by
 * the input's record size limit.
 *
 * @param key the record's original key bytes, or null
 * @param value the record's original value bytes, or null (a delete)
 * @param topic the input topic (or {@code file:<path>} for an export line)
 * @param partition the topic partition (or the reading subtask for an export)
 * @param offset the offset in the partition (or the line's position in the export)
 * @param timestamp the record's Kafka timestamp in epoch milliseconds (the broker's append time on
 *     a topic with {@code message.timestamp.type=LogAppendTime}); 0 when unknown (an export)
 */
public record RecordOrigin(byte[] key, byte[] value, String topic, int partition, long offset, long timestamp) implements Serializable {

    /** An origin with no timestamp: an export line, or a record of a test. */
    public RecordOrigin(byte[] key, byte[] value, String topic, int partition, long offset) {
        this(key, value, topic, partition, offset, 0L);
    }

    /** The origin of a change that came with none (built in process, not read): its document id as the key, no value. */
    public static RecordOrigin unknown(String docId) {
        return new RecordOrigin(docId == null ? null : docId.getBytes(java.nio.charset.StandardCharsets.UTF_8), null, "unknown", -1, -1);
    }

    /** {@code topic/partition/offset}, the form of the {@code semdex.source} header. */
    public String describe() {
        return topic + "/" + partition + "/" + offset;
    }
}
