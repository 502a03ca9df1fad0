package io.semdex.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A reindexed generation ready to go live: written as {@code gen-N/READY} when its bounded build
 * finished without error. {@code offsets} are the input topic's end offsets when the build began, and
 * {@code interactiveOffsets} its interactive lane's: whoever runs the streaming job replays both
 * topics from there into the new generation before switching to it, so no update that arrived during
 * the reindex is lost.
 *
 * @param topic the input topic, or null when the build was not tied to one
 * @param offsets partition → first offset not covered by the build
 * @param interactiveOffsets the same for the interactive topic; empty in a handoff written before there
 *     was one, whose catch-up then replays the interactive topic whole
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Handoff(String topic, Map<Integer, Long> offsets, Map<Integer, Long> interactiveOffsets) {

    private static final String FILE = "READY";
    private static final String FAILED = "FAILED";

    /**
     * Why the hand-over of a generation was given up (its model would not load, its catch-up job
     * failed or made no progress): written as {@code gen-N/FAILED} in place of {@code READY}, so it
     * is not tried again; the live generation stays. A new reindex builds a new generation.
     *
     * @param reason what went wrong, for the log and {@code /api/status}
     * @param at when it was given up
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Failure(String reason, java.time.Instant at) {}

    /** A generation whose hand-over failed, and why. */
    public record Failed(Generation generation, Failure failure) {}

    public Handoff {
        offsets = offsets == null ? Map.of() : Map.copyOf(new TreeMap<>(offsets));
        interactiveOffsets = interactiveOffsets == null ? Map.of() : Map.copyOf(new TreeMap<>(interactiveOffsets));
    }

    /** A handoff of the input topic alone. */
    public Handoff(String topic, Map<Integer, Long> offsets) {
        this(topic, offsets, Map.of());
    }

    /** A generation marked READY, and its handoff. */
    public record Ready(Generation generation, Handoff handoff) {}

    /** The newest generation above the live one that is marked READY; empty when there is none. */
    public static Optional<Ready> newestReady(IndexLayout layout) {
        int live = layout.current().map(Generation::number).orElse(0);
        for (int n = layout.latestNumber(); n > live; n--) {
            Generation candidate = layout.generation(n);
            Optional<Handoff> handoff = read(candidate);
            if (handoff.isPresent()) {
                return Optional.of(new Ready(candidate, handoff.get()));
            }
        }
        return Optional.empty();
    }

    /** The newest generation above the live one whose hand-over failed; empty when there is none. */
    public static Optional<Failed> newestFailed(IndexLayout layout) {
        int live = layout.current().map(Generation::number).orElse(0);
        for (int n = layout.latestNumber(); n > live; n--) {
            Generation candidate = layout.generation(n);
            Path file = candidate.dir().resolve(FAILED);
            try {
                return Optional.of(new Failed(candidate, Json.MAPPER.readValue(Files.readAllBytes(file), Failure.class)));
            } catch (NoSuchFileException e) {
                // not failed: look further down
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return Optional.empty();
    }

    /** Gives up the hand-over of {@code generation}: {@code FAILED} with the reason replaces {@code READY}. */
    public static void fail(Generation generation, String reason) {
        try {
            DurableFiles.replace(generation.dir().resolve(FAILED),
                    Json.MAPPER.writeValueAsBytes(new Failure(reason, java.time.Instant.now())));
            Files.deleteIfExists(generation.dir().resolve(FILE));
            DurableFiles.forceDirectory(generation.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark " + generation.name() + " failed", e);
        }
    }

    public static Optional<Handoff> read(Generation generation) {
        Path file = generation.dir().resolve(FILE);
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(file), Handoff.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Marks {@code generation} ready, atomically and durably ({@link DurableFiles}). */
    public void write(Generation generation) {
        try {
            DurableFiles.replace(generation.dir().resolve(FILE), Json.MAPPER.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark " + generation.name() + " ready", e);
        }
    }
}
