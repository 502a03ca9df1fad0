package io.semdex.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The index root on disk: {@code CURRENT} names the live generation, each {@code gen-N/} holds a
 * manifest and its shards. {@code CURRENT} is only ever replaced by an atomic rename, so a reader
 * sees the old generation or the new one, never neither.
 */
public final class IndexLayout {

    private static final String CURRENT = "CURRENT";

    private final Path root;

    public IndexLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Generation generation(int number) {
        return new Generation(number, root.resolve(Generation.PREFIX + number));
    }

    /** The live generation, or empty while nothing has been switched in. */
    public Optional<Generation> current() {
        Path file = root.resolve(CURRENT);
        try {
            String name = Files.readString(file, StandardCharsets.UTF_8).strip();
            return Optional.of(generation(parseNumber(name, file)));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The highest generation number on disk, live or not; 0 when there is none. */
    public int latestNumber() {
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches(Generation.PREFIX + "\\d+"))
                    .mapToInt(n -> Integer.parseInt(n.substring(Generation.PREFIX.length())))
                    .max()
                    .orElse(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /**
     * The live generation, or a first one ({@code gen-1}) created with {@code manifest} and switched
     * in when the root is new. A streaming job writes into the live generation.
     */
    public Generation currentOrCreate(Manifest manifest) {
        Optional<Generation> live = current();
        if (live.isPresent()) {
            return live.get();
        }
        Generation first = create(latestNumber() + 1, manifest);
        switchTo(first);
        return first;
    }

    /** Creates {@code gen-N/} with its manifest; does not switch to it. */
    public Generation create(int number, Manifest manifest) {
        Generation generation = generation(number);
        try {
            Files.createDirectories(generation.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + generation.dir(), e);
        }
        manifest.write(generation.manifestFile());
        return generation;
    }

    /** Makes {@code generation} the live one with an atomic rename of {@code CURRENT}. */
    public void switchTo(Generation generation) {
        if (!Files.isRegularFile(generation.manifestFile())) {
            throw new IllegalStateException("cannot switch to " + generation.name() + ": it has no manifest");
        }
        Path tmp = root.resolve(CURRENT + ".tmp");
        try {
            Files.writeString(tmp, generation.name() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, root.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot switch " + root + " to " + generation.name(), e);
        }
    }

    /**
     * Deletes the oldest generations so that at most {@code keep} remain, never the live one nor
     * a newer one. A reader in another process that still has an old generation open keeps
     * reading it: its open files stay valid until it closes them.
     *
     * @return the generations removed
     */
    public List<Generation> prune(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        int live = current().map(Generation::number).orElse(Integer.MAX_VALUE);
        List<Generation> removed = new java.util.ArrayList<>();
        for (int n = Math.min(live, latestNumber()) - keep; n >= 1; n--) {
            Generation old = generation(n);
            if (Files.isDirectory(old.dir())) {
                deleteTree(old.dir());
                removed.add(old);
            }
        }
        return removed;
    }

    private static void deleteTree(Path dir) {
        try {
            DirectoryTree.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    private static int parseNumber(String name, Path file) {
        if (!name.matches(Generation.PREFIX + "\\d+")) {
            throw new IllegalStateException(file + " must name a generation like 'gen-3', found '" + name + "'");
        }
        return Integer.parseInt(name.substring(Generation.PREFIX.length()));
    }
}
