package io.semdex.core;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Why the ingest job's embed stage cannot go on, kept beside the index as {@code index-root/EMBED-FAILURE}
 * so that whoever serves the index says it ({@code /api/status}): rejected credentials, an unknown
 * model, a model failing on every input. Written by the embed task before it fails, removed by its
 * first successful model call; one file for every subtask (the newest cause counts).
 *
 * @param blame {@code environment} or {@code transient}
 * @param cause what the embed stage logged
 * @param at when it was written
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EmbedFailure(String blame, String cause, Instant at) {

    static final String FILE = "EMBED-FAILURE";

    public EmbedFailure {
        Objects.requireNonNull(blame, "blame");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(at, "at");
    }

    /** The failure recorded under {@code indexRoot}, if there is one. */
    public static Optional<EmbedFailure> read(Path indexRoot) {
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(indexRoot.resolve(FILE)), EmbedFailure.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // being replaced, or half written by a crash: the next look sees the new one
        }
    }

    /** Records this failure under {@code indexRoot}, replacing any earlier one atomically. */
    public void write(Path indexRoot) {
        try {
            Files.createDirectories(indexRoot);
            Path tmp = Files.createTempFile(indexRoot, FILE, ".tmp");
            Json.MAPPER.writeValue(tmp.toFile(), this);
            Files.move(tmp, indexRoot.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the embed failure under " + indexRoot, e);
        }
    }

    /** Removes the failure recorded under {@code indexRoot}, if any. */
    public static void clear(Path indexRoot) {
        try {
            Files.deleteIfExists(indexRoot.resolve(FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + indexRoot.resolve(FILE), e);
        }
    }
}
