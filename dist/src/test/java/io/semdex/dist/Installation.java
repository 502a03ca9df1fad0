package io.semdex.dist;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * semdex as users get it: the release tarball ({@code semdex-VERSION.tar.gz}) unpacked with
 * {@code tar} into {@code target/installed/}, once per test run, and every command started through
 * its {@code bin/semdex}, never on the test's class path. The product under test therefore has
 * exactly the jars, launcher, JVM flags and logging configuration that the tarball ships.
 */
final class Installation {

    private static final Path TARBALL = Path.of(System.getProperty("semdex.tarball", "target/semdex-unknown.tar.gz"));
    private static final String VERSION = System.getProperty("semdex.version", "unknown");
    private static final Path UNPACKED = TARBALL.resolveSibling("installed");

    private static Path home;

    private Installation() {}

    /** The unpacked installation ({@code .../semdex-VERSION}), unpacked on first use. */
    static synchronized Path home() throws IOException, InterruptedException {
        if (home == null) {
            home = unpack(TARBALL, UNPACKED).resolve("semdex-" + VERSION);
            if (!Files.isExecutable(home.resolve("bin/semdex"))) {
                throw new IllegalStateException(TARBALL + " did not unpack to " + home + "/bin/semdex");
            }
        }
        return home;
    }

    /** Unpacks a tarball with the system's tar (file modes as a user gets them) into a fresh {@code target}. */
    static Path unpack(Path tarball, Path target) throws IOException, InterruptedException {
        if (!Files.isRegularFile(tarball)) {
            throw new IllegalStateException(tarball + " is missing: the dist module's package phase builds it");
        }
        if (Files.exists(target)) {
            run(List.of("rm", "-rf", target.toString()));
        }
        Files.createDirectories(target);
        run(List.of("tar", "-xzf", tarball.toAbsolutePath().toString(), "-C", target.toString()));
        return target;
    }

    /**
     * Starts {@code bin/semdex ARGS} in {@code workingDirectory}, its output appended to {@code log}.
     * SIGINT is reset to its default and the process leads its own process group, as a command typed
     * at a terminal is: Ctrl-C there is {@link #interrupt SIGINT to the group}. (A background job of a
     * non-interactive shell, or a process whose parent ignores SIGINT, starts with SIGINT ignored.)
     *
     * @param environment extra variables, e.g. an API key
     */
    static Process start(Path launcher, Path workingDirectory, Path log, Map<String, String> environment, String... args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("/usr/bin/perl", "-e", "$SIG{INT} = 'DEFAULT'; setpgrp(0, 0); exec @ARGV or die \"$ARGV[0]: $!\\n\"",
                launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", System.getProperty("java.home")); // the JDK running the tests: Java 25 or newer
        env.put("SEMDEX_JAVA_OPTS", "-Xmx2g");
        env.remove("SEMDEX_SHARED_DATA");
        // The demo records its Kafka address under the cache folder: keep the tests' records out of the user's.
        env.put("XDG_CACHE_HOME", log.resolveSibling("cache").toString());
        env.putAll(environment);
        return builder.start();
    }

    /** {@link #start} with the installation's own {@code bin/semdex}, in {@code workingDirectory}. */
    static Process semdex(Path workingDirectory, Path log, Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        return start(home().resolve("bin/semdex"), workingDirectory, log, environment, args);
    }

    /** Ctrl-C at the terminal: SIGINT to the process group {@link #start} made. */
    static void interrupt(Process process) throws IOException, InterruptedException {
        run(List.of("kill", "-INT", "--", "-" + process.pid()));
    }

    /**
     * Waits until {@code log} has {@code readyLine} and {@code /health} on {@code port} answers 200;
     * fails at once, with the log, should the process end first, and after {@code limit}.
     */
    static void awaitHealthy(Process process, int port, Path log, String readyLine, Duration limit) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (Files.exists(log) && Files.readString(log).contains(readyLine)) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError((process.isAlive() ? "no '" + readyLine + "' and healthy within " + limit.toSeconds() + " s"
                : "the process ended (" + process.exitValue() + ") before it was healthy") + "; log:\n" + tail(log));
    }

    /** The last 60 lines of {@code log}. */
    static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /**
     * A free port below the kernel's ephemeral range: the process under test binds it seconds later,
     * after its Kafka broker and clients have taken ports of their own, and a port the kernel hands out
     * (port 0, outgoing connections) never comes from below that range.
     */
    static int freePort() throws IOException {
        int ephemeralLow = 32768;
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) {
            ephemeralLow = Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
        }
        int low = 10000;
        int high = Math.max(low + 1000, ephemeralLow);
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(low, high);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in " + low + ".." + high);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("semdex-it-", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 120 s: " + Files.readString(output));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + Files.readString(output));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
