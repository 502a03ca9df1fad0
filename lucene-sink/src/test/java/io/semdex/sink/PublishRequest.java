package io.semdex.sink;

import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;

/** A committable handed to the {@link ShardPublisher}, recording how the publisher answered it. */
final class PublishRequest implements Committer.CommitRequest<ShardCommit> {

    private final ShardCommit commit;
    private boolean alreadyCommitted;
    private Throwable failure;
    private boolean retryLater;

    PublishRequest(ShardCommit commit) {
        this.commit = commit;
    }

    /** Hands {@code committables} to a publisher in one call, as Flink does when a checkpoint completes. */
    static List<PublishRequest> publish(Collection<ShardCommit> committables) {
        List<PublishRequest> requests = committables.stream().map(PublishRequest::new).toList();
        new ShardPublisher().commit(List.copyOf(requests));
        return requests;
    }

    /** True when the publisher found the commit already published (or superseded) and left the shard as it was. */
    boolean alreadyCommitted() {
        return alreadyCommitted;
    }

    /** True when the publisher answered nothing: Flink then counts the committable as committed by this call. */
    boolean answeredNothing() {
        return !alreadyCommitted && failure == null && !retryLater;
    }

    @Override
    public ShardCommit getCommittable() {
        return commit;
    }

    @Override
    public int getNumberOfRetries() {
        return 0;
    }

    @Override
    public void signalFailedWithKnownReason(Throwable t) {
        failure = t;
    }

    @Override
    public void signalFailedWithUnknownReason(Throwable t) {
        failure = t;
    }

    @Override
    public void retryLater() {
        retryLater = true;
    }

    @Override
    public void updateAndRetryLater(ShardCommit committable) {
        retryLater = true;
    }

    @Override
    public void signalAlreadyCommitted() {
        alreadyCommitted = true;
    }
}
