package io.semdex.sink;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A Lucene commit of one shard, named by the sequence number the writer tagged it with. It is the
 * committable (publish this commit once its checkpoint completes) and the writer state (the
 * commit this checkpoint's index contents are in; a restore rolls the shard back to it).
 *
 * @param shardDir absolute path of the shard directory
 */
public record ShardCommit(String shardDir, long sequence) implements Serializable {

    public ShardCommit {
        if (sequence < 0) {
            throw new IllegalArgumentException("commit sequence must be >= 0, got " + sequence);
        }
    }

    /** Versioned binary form for Flink's checkpoints. */
    static final class Serializer implements SimpleVersionedSerializer<ShardCommit> {

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(ShardCommit commit) {
            byte[] dir = commit.shardDir().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return ByteBuffer.allocate(4 + dir.length + 8).putInt(dir.length).put(dir).putLong(commit.sequence()).array();
        }

        @Override
        public ShardCommit deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown ShardCommit serialization version " + version);
            }
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(serialized))) {
                byte[] dir = new byte[in.readInt()];
                in.readFully(dir);
                return new ShardCommit(new String(dir, java.nio.charset.StandardCharsets.UTF_8), in.readLong());
            }
        }
    }
}
