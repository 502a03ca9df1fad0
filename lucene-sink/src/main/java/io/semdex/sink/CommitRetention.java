package io.semdex.sink;

import io.semdex.core.PublishedCommit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.lucene.index.IndexCommit;
import org.apache.lucene.index.IndexDeletionPolicy;

/**
 * Keeps the Lucene commits a restore or a reader may still need: the published one, every newer
 * one (their checkpoints may yet complete), and the newest. Commits found on opening that are newer
 * than the one the writer starts from are rolled back: they belong to checkpoints that never
 * completed, and their changes will be replayed from Kafka. They are deleted by the writer's first
 * commit, not on opening: until a commit numbered above them is durable, they are the only record of
 * the highest sequence number used, which must never be handed out again.
 */
final class CommitRetention extends IndexDeletionPolicy {

    private final Path shardDir;
    private final long startSequence;
    /** The highest sequence among the commits found on opening; those above {@link #startSequence} are rolled back. */
    private long highestOnOpening = -1;

    /** @param startSequence the commit the writer opens at; newer ones are rolled back */
    CommitRetention(Path shardDir, long startSequence) {
        this.shardDir = shardDir;
        this.startSequence = startSequence;
    }

    /** Deletes nothing: rolled-back commits go with the next commit, older ones with a commit after a newer one is published. */
    @Override
    public void onInit(List<? extends IndexCommit> commits) throws IOException {
        for (IndexCommit commit : commits) {
            highestOnOpening = Math.max(highestOnOpening, PublishedCommit.sequenceOf(commit));
        }
    }

    @Override
    public void onCommit(List<? extends IndexCommit> commits) throws IOException {
        if (commits.isEmpty()) {
            return; // a new index: nothing committed yet
        }
        long published = PublishedCommit.read(shardDir).orElse(-1);
        IndexCommit newest = commits.get(commits.size() - 1);
        for (IndexCommit commit : commits) {
            if (commit == newest || commit.isDeleted()) {
                continue;
            }
            long sequence = PublishedCommit.sequenceOf(commit);
            boolean rolledBack = sequence > startSequence && sequence <= highestOnOpening;
            if (rolledBack || sequence < published) {
                commit.delete();
            }
        }
    }
}
