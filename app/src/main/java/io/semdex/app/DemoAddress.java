package io.semdex.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Where a running {@code semdex demo} says its Kafka broker is, so that {@code produce},
 * {@code reindex} and {@code serve} find it without {@code --bootstrap}. The demo writes one JSON
 * file in its data directory ({@value #FILE_NAME}) and the same in a per-user well-known place
 * ({@link #wellKnownFile()}); a file whose demo is gone (its process has exited, or its broker does
 * not accept a connection within a second) is stale and ignored.
 *
 * @param bootstrap the broker's address, {@code 127.0.0.1:PORT}
 * @param pid the demo's process id
 * @param dataDir the demo's data directory, absolute
 */
record DemoAddress(String bootstrap, long pid, String dataDir) {

    static final String FILE_NAME = "kafka.address";
    /** Overrides {@link #wellKnownFile()}: for tests, and for anyone who wants two demos apart. */
    static final String WELL_KNOWN_PROPERTY = "semdex.demo.address";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CONNECT_TIMEOUT_MS = 1_000;

    /** The file in a demo's data directory. */
    static Path fileIn(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /** The per-user file naming the most recently started demo: {@code ~/.cache/semdex/demo.address} (or under $XDG_CACHE_HOME). */
    static Path wellKnownFile() {
        String override = System.getProperty(WELL_KNOWN_PROPERTY);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("semdex").resolve("demo.address");
    }

    /** Writes this address to {@code file} so that a reader sees either the old content or the new, never half of it. */
    void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), this);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The address in {@code file}; empty when there is no such file. */
    static Optional<DemoAddress> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        DemoAddress address = JSON.readValue(file.toFile(), DemoAddress.class);
        if (address.bootstrap() == null || address.bootstrap().isBlank()) {
            throw new IOException("no bootstrap address in it");
        }
        return Optional.of(address);
    }

    /** Why this demo is not running, or null when its process is alive and its broker accepts a TCP connection within a second. */
    String staleReason() {
        if (pid > 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return "the demo that wrote it (pid " + pid + ") is not running";
        }
        int colon = bootstrap.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1))),
                    CONNECT_TIMEOUT_MS);
            return null;
        } catch (IOException | RuntimeException e) {
            return "its Kafka at " + bootstrap + " does not answer";
        }
    }

    /** The demo's file in {@code file}, with what it says: the bootstrap address when it names a running demo. */
    record Lookup(Path file, String bootstrap) {}

    /**
     * The address of a running demo in {@code file}, or empty; says on {@code err}, prefixed with
     * {@code command}, why a file that exists was not used.
     */
    static Optional<Lookup> running(Path file, String command, PrintWriter err) {
        try {
            Optional<DemoAddress> address = read(file);
            if (address.isEmpty()) {
                return Optional.empty();
            }
            String stale = address.get().staleReason();
            if (stale != null) {
                err.println(command + ": ignoring " + file + ": " + stale);
                err.flush();
                return Optional.empty();
            }
            return Optional.of(new Lookup(file, address.get().bootstrap()));
        } catch (IOException | RuntimeException e) {
            err.println(command + ": ignoring " + file + ": cannot read it (" + e.getMessage() + ")");
            err.flush();
            return Optional.empty();
        }
    }

    /** Prints which address a command took, one line on {@code err}. */
    static String announce(Lookup lookup, String command, PrintWriter err) {
        err.println(command + ": using the local demo's Kafka at " + lookup.bootstrap() + " (from " + lookup.file() + ")");
        err.flush();
        return lookup.bootstrap();
    }

    /**
     * Records a started demo in its data directory and in the well-known file; closing it removes
     * both, each only while it still names this demo (a later demo may have taken the well-known one).
     */
    static Registration register(String bootstrap, Path dataDir, Path wellKnown) throws IOException {
        DemoAddress address = new DemoAddress(bootstrap, ProcessHandle.current().pid(), dataDir.toAbsolutePath().toString());
        Path own = fileIn(dataDir);
        address.write(own);
        try {
            address.write(wellKnown);
        } catch (IOException e) {
            // A read-only home must not stop the demo: commands then need --bootstrap or --data.
            System.err.println("semdex demo: cannot record the Kafka address in " + wellKnown + " (" + e.getMessage()
                    + "); other commands find this demo with --data " + dataDir);
        }
        return new Registration(address, own, wellKnown);
    }

    /** A demo's recorded address, removed on close. */
    record Registration(DemoAddress address, Path own, Path wellKnown) implements AutoCloseable {

        @Override
        public void close() {
            removeIfOurs(own);
            removeIfOurs(wellKnown);
        }

        private void removeIfOurs(Path file) {
            try {
                if (read(file).filter(address::equals).isPresent()) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException | RuntimeException e) {
                // Left behind, it reads as stale once this process is gone.
            }
        }
    }
}
