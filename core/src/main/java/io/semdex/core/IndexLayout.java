package io.semdex.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The index root on disk: {@code CURRENT} names the live generation, each {@code gen-N/} holds a
 * manifest and its shards. {@code CURRENT} is only ever replaced by an atomic rename, forced to disk
 * before and after ({@link DurableFiles}), so a reader sees the old generation or the new one, never
 * neither, even after a power cut. A {@code gen-N/} directory is created by one builder only.
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
        Generation first = createNext(manifest);
        switchTo(first);
        return first;
    }

    /**
     * Creates {@code gen-N/} with its manifest; does not switch to it.
     *
     * @throws IllegalStateException when {@code gen-N/} exists already: another build has it
     */
    public Generation create(int number, Manifest manifest) {
        Generation generation = generation(number);
        try {
            Files.createDirectories(root);
            // Exclusive: of two builders that picked the same number, one gets it and the other is told.
            Files.createDirectory(generation.dir());
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException(generation.name() + " exists already in " + root + ": another build has it", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + generation.dir(), e);
        }
        manifest.write(generation.manifestFile());
        return generation;
    }

    /**
     * Creates the generation after the highest one on disk, with its manifest: the next free
     * number, even when another build takes one at the same moment.
     */
    public Generation createNext(Manifest manifest) {
        for (int attempt = 0; ; attempt++) {
            try {
                return create(latestNumber() + 1, manifest);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof FileAlreadyExistsException) || attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    /** Makes {@code generation} the live one with an atomic rename of {@code CURRENT}. */
    public void switchTo(Generation generation) {
        if (!Files.isRegularFile(generation.manifestFile())) {
            throw new IllegalStateException("cannot switch to " + generation.name() + ": it has no manifest");
        }
        try {
            // The generation's own entries (manifest, shards) and its name in the root reach the disk before CURRENT names it.
            DurableFiles.forceDirectory(generation.dir());
            DurableFiles.forceDirectory(root);
            DurableFiles.replace(root.resolve(CURRENT), (generation.name() + "\n").getBytes(StandardCharsets.UTF_8));
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
