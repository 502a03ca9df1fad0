package io.semdex.core;

import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

/**
 * Where the embed stage finds the vectors it made before, so that a unit which comes again
 * unchanged is not embedded again. The index is that place: each unit is stored with its
 * {@linkplain EmbeddedUnit#vectorKey() vector key}, and a subtask of the embed stage reads the
 * shard its own sink subtask writes, which holds the units of the same documents.
 *
 * <p>Reuse is an optimisation, never a source of truth: a vector found under a key is the model's
 * vector for that key whichever commit it came from (even one a restore later rolled back), and a
 * unit not found is embedded. So a view may lag its shard by a commit or more.
 */
public interface StoredVectors extends Serializable {

    /** Nothing stored: every unit is embedded. */
    StoredVectors NONE = subtask -> new View() {
        @Override
        public Map<String, float[]> vectors(String docId) {
            return Map.of();
        }

        @Override
        public void refresh() {}

        @Override
        public void close() {}
    };

    /** Opens the view of embed subtask {@code subtask}: the vectors of the documents that subtask handles. */
    View open(int subtask) throws IOException;

    /** One subtask's view. Used from the task thread only. */
    interface View extends Closeable {

        /** The vectors stored for the units of document {@code docId}, by vector key; empty when none are. */
        Map<String, float[]> vectors(String docId) throws IOException;

        /** Takes in what has been stored since the view was opened or last refreshed (after a checkpoint's commit). */
        void refresh() throws IOException;
    }
}
