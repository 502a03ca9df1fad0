package io.semdex.core;

import java.io.Serializable;
import java.util.Objects;

/**
 * Which change of one document wins when it was written on both lanes: the one Kafka accepted
 * last, whichever lane it came by and in whatever order the lanes deliver. The two lanes are read
 * as if they were one log in acceptance order.
 *
 * <p>Within a lane the order is the topic's own (a document's records share a partition, so they
 * arrive in offset order), and nothing here reorders them. Between lanes a change is compared with
 * the last one admitted for its document by the record timestamp, the broker's append time on topics
 * created with {@code message.timestamp.type=LogAppendTime}; on equal milliseconds the interactive
 * lane wins. A change the other lane made obsolete before it arrived is stale and dropped: a bulk
 * reload of a page, queued behind its export, never overwrites the correction someone posted after it
 * was produced. Because the comparison uses only what the records carry, any delivery order ends at
 * the same version, and a reindex of the two compacted topics (each keeping its last record per
 * document) rebuilds the version the streaming job shows.
 *
 * <p>The document's own {@code updated} time orders versions within a lane, before this rule (the
 * job's stale-version filter, per lane); it is not compared across lanes. Comparing it here would
 * make the outcome depend on the order the lanes deliver in: a stale version on one lane, delivered
 * before the newer version the other lane accepted earlier, would be admitted and then block it.
 *
 * <pre>{@code
 * LastWriteWins.Seen seen = null;
 * LastWriteWins.Write api = new LastWriteWins.Write(Lane.INTERACTIVE, 2_000);
 * seen = LastWriteWins.admit(seen, api);
 * LastWriteWins.judge(seen, new LastWriteWins.Write(Lane.BULK, 1_000)); // OLDER_THAN_OTHER_LANE: produced before the API write
 * }</pre>
 */
public final class LastWriteWins {

    private LastWriteWins() {}

    /**
     * A change as the rule sees it.
     *
     * @param acceptedAt when its topic accepted it, epoch milliseconds (0 when unknown: then only its lane's order counts)
     */
    public record Write(Lane lane, long acceptedAt) {
        public Write {
            Objects.requireNonNull(lane, "lane");
        }
    }

    /** What is remembered of a document's admitted changes: the lane and acceptance time of the last one. */
    public record Seen(Lane lane, long acceptedAt) implements Serializable {
        public Seen {
            Objects.requireNonNull(lane, "lane");
        }
    }

    /** What becomes of a change. */
    public enum Verdict {
        /** It is the document's newest change: it goes on. */
        APPLY,
        /** The other lane's last change for the document was accepted after it. */
        OLDER_THAN_OTHER_LANE
    }

    /** Whether {@code write} is the newest change of its document, given what was {@code seen} (null: nothing yet). */
    public static Verdict judge(Seen seen, Write write) {
        if (seen == null || write.lane() == seen.lane() || acceptedAfter(write, seen)) {
            return Verdict.APPLY;
        }
        return Verdict.OLDER_THAN_OTHER_LANE;
    }

    /** What is remembered once {@code write}, judged {@link Verdict#APPLY}, is admitted. */
    public static Seen admit(Seen seen, Write write) {
        return new Seen(write.lane(), write.acceptedAt());
    }

    /** Acceptance time first; on the same millisecond, the interactive lane is the later one. */
    private static boolean acceptedAfter(Write write, Seen seen) {
        if (write.acceptedAt() != seen.acceptedAt()) {
            return write.acceptedAt() > seen.acceptedAt();
        }
        return write.lane() == Lane.INTERACTIVE;
    }
}
