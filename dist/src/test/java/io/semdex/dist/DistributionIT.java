package io.semdex.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import io.semdex.embed.Qwen3Fixture;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release tarball as a new user meets it: unpacked where there is no source tree, no Maven and
 * no shared data beside it, and run through a symbolic link from another directory with relative
 * paths. It holds what it says, names its version and commit, refuses a Java below its floor in one
 * line, and its demo indexes the knowledge base it carries, takes an export, and stops on Ctrl-C.
 */
class DistributionIT {

    private static final String VERSION = System.getProperty("semdex.version", "unknown");
    private static final Path TARBALL = Path.of(System.getProperty("semdex.tarball", "target/semdex-unknown.tar.gz"));
    private static final Path EXPORT = Path.of(System.getProperty("semdex.shared.data", "../../shared/data"), "docs", "activemq-faq");

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theTarballHoldsTheLauncherTheLibrariesTheJobJarAndTheLicence() throws Exception {
        Path home = Installation.home();
        assertThat(home.resolve("bin/semdex")).isExecutable();
        assertThat(home.resolve("libexec/find-java.sh")).isRegularFile();
        assertThat(home.resolve("conf/log4j2.xml")).isRegularFile();
        assertThat(home.resolve("LICENSE")).content().contains("Apache License");
        assertThat(home.resolve("job/semdex-ingest-job.jar")).isRegularFile();
        assertThat(home.resolve("samples/knowledge-base.txt")).isRegularFile();
        assertThat(names(home.resolve("lib"))).anyMatch(n -> n.startsWith("semdex-app-")).anyMatch(n -> n.startsWith("lucene-core-"))
                .anyMatch(n -> n.startsWith("onnxruntime-") && n.endsWith("-linux.jar"))
                .noneMatch(n -> n.startsWith("langchain4j-") || n.startsWith("pytorch-native-"));
        assertThat(names(home.resolve("lib/models"))).hasSize(4).allMatch(n -> n.startsWith("langchain4j-embeddings-"));
        assertThat(names(home.resolve("lib/pytorch"))).singleElement().asString().startsWith("pytorch-native-cpu-");
        assertThat(names(home.resolve("lib/bench"))).anyMatch(n -> n.startsWith("langchain4j-embeddings-1"));
        System.out.printf("distribution: %s %d MB (lib/*.jar %d MB, lib/models %d MB, lib/pytorch %d MB, job jar %d MB)%n",
                TARBALL.getFileName(), Files.size(TARBALL) >> 20, megabytes(home.resolve("lib"), false), megabytes(home.resolve("lib/models"), true),
                megabytes(home.resolve("lib/pytorch"), true), Files.size(home.resolve("job/semdex-ingest-job.jar")) >> 20);
    }

    @Test
    void versionNamesTheReleaseAndTheCommitItWasBuiltFrom() throws Exception {
        Result version = run(Installation.home().resolve("bin/semdex"), Map.of(), "--version");
        assertThat(version.status()).as(version.output()).isZero();
        assertThat(version.output()).containsPattern("semdex " + Pattern.quote(VERSION) + " \\(commit [0-9a-f]{7,}");
    }

    @Test
    void belowTheJavaFloorTheLauncherSaysWhatItNeedsInOneLine() throws Exception {
        // A Java 21 that reports its version as a JVM does, and no other Java to fall back to.
        Path old = Files.createDirectories(tmp.resolve("java21/bin")).resolve("java");
        Files.writeString(old, "#!/bin/sh\necho '    java.specification.version = 21' >&2\necho 'openjdk version \"21.0.5\"' >&2\n");
        old.toFile().setExecutable(true);
        Path emptyPath = Files.createDirectories(tmp.resolve("empty-path"));
        Result result = run(Installation.home().resolve("bin/semdex"),
                Map.of("JAVA_HOME", tmp.resolve("java21").toString(), "SEMDEX_JAVA_DIRS", "", "PATH", emptyPath + ":/usr/bin:/bin"), "demo");
        assertThat(result.status()).isEqualTo(1);
        List<String> lines = result.output().lines().toList();
        assertThat(lines).as(result.output()).hasSize(1);
        assertThat(lines.getFirst()).startsWith("semdex needs Java 25 or newer and found only Java 21")
                .contains("set JAVA_HOME");
    }

    @Test
    void benchFindsLangChain4jAndATorchScriptModelGetsTheInstallationsLibtorch() throws Exception {
        Path bin = Installation.home().resolve("bin/semdex");
        String data = EXPORT.getParent().getParent().toString();
        // `semdex bench` alone has LangChain4j (lib/bench) and the model jars on its class path.
        Result bench = run(bin, Map.of(), "bench", "embed", "--texts", "16", "--rounds", "1", "--no-sweep", "--data", data);
        assertThat(bench.status()).as(bench.output()).isZero();
        assertThat(bench.output()).contains("| LangChain4j BgeSmallZhV15EmbeddingModel |").doesNotContain("PyTorch engine");
        // A TorchScript model: libtorch comes from lib/pytorch, off every class path, when the model is opened.
        String model = "qwen3-embedding-0.6b?dir=" + Qwen3Fixture.directory() + "&file=model.pt&dimensions=256";
        Result torch = run(bin, Map.of(), "bench", "embed", "--model", model, "--texts", "16", "--rounds", "1", "--no-sweep",
                "--no-langchain4j", "--data", data);
        assertThat(torch.status()).as(torch.output()).isZero();
        assertThat(torch.output()).contains("PyTorch engine 2.7.1 loaded from " + Installation.home().resolve("lib/pytorch"))
                .contains("engine PyTorch");
    }

    @Test
    void theDemoRunsFromAnUnpackedTarballThroughASymlinkWithRelativePathsAndStopsOnCtrlC() throws Exception {
        // Unpacked afresh, away from the build: nothing of the source tree or the shared data is beside it.
        Path opt = Installation.unpack(TARBALL, tmp.resolve("opt"));
        Path home = opt.resolve("semdex-" + VERSION);
        Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("bin")).resolve("semdex"), home.resolve("bin/semdex"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        copyTree(EXPORT, work.resolve("faq-export"));
        int port = Installation.freePort();
        Path log = tmp.resolve("demo.log");

        long start = System.nanoTime();
        Process demo = Installation.start(link, work, log, Map.of(), "demo", "--data", "./data", "--port", Integer.toString(port));
        try {
            awaitLine(log, "is ready in", demo);
            System.out.printf("demo from the unpacked tarball: ready %.1f s after start%n", (System.nanoTime() - start) / 1e9);
            long kbLines = Files.readAllLines(home.resolve("samples/knowledge-base.txt")).stream().filter(l -> !l.isBlank()).count();
            assertThat(Files.readString(log)).contains(kbLines + " documents indexed from knowledge-base.txt");
            JsonNode hits = Json.MAPPER.readTree(get(port, "/api/search?k=3&q=" + URLEncoder.encode("哪种水果维生素C多", StandardCharsets.UTF_8)))
                    .get("hits");
            assertThat(hits).isNotEmpty();

            // The data directory and the export are the caller's relative paths, not the installation's.
            assertThat(work.resolve("data/index")).isDirectory();
            assertThat(home.resolve("data")).doesNotExist();
            Result produce = run(link, work, Map.of(), "produce", "./faq-export", "--data", "./data");
            assertThat(produce.status()).as(produce.output()).isZero();
            Matcher sent = Pattern.compile("sent +(\\d+)").matcher(produce.output());
            assertThat(sent.find()).as(produce.output()).isTrue();
            assertThat(produce.output()).containsPattern("failed +0");
            // The export searchable before Ctrl-C: stopping with documents in flight is GracefulStopIT's part.
            awaitDocuments(port, kbLines + Long.parseLong(sent.group(1)));

            // The commands' class path: lib/*.jar only; libtorch, the model jars and LangChain4j stay off it.
            String commandLine = Files.readString(Path.of("/proc", Long.toString(demo.pid()), "cmdline")).replace('\0', ' ');
            assertThat(commandLine).contains(home.resolve("lib") + "/*").doesNotContain("lib/pytorch/").doesNotContain("lib/models/")
                    .doesNotContain("lib/bench");
            // The job's C2 thresholds (README, Scaling, "The JIT"), then SEMDEX_JAVA_OPTS, whose own -XX options win.
            assertThat(commandLine).containsSubsequence("-XX:Tier4InvocationThreshold=50000", "-XX:Tier4BackEdgeThreshold=400000",
                    "-Xmx2g");

            long stopStart = System.nanoTime();
            Installation.interrupt(demo);
            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).as("exits within 30 s of Ctrl-C; log:%n%s", Files.readString(log)).isTrue();
            assertThat(demo.exitValue()).as(Files.readString(log)).isZero();
            System.out.printf("Ctrl-C to exit 0: %d ms%n", (System.nanoTime() - stopStart) / 1_000_000);
            assertThat(Files.readString(log)).contains("semdex demo stopped (SIGINT)").doesNotContain("Exception")
                    .doesNotContain("PyTorch engine");
        } finally {
            demo.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private record Result(int status, String output) {}

    private Result run(Path launcher, Map<String, String> environment, String... args) throws Exception {
        return run(launcher, tmp, environment, args);
    }

    private Result run(Path launcher, Path directory, Map<String, String> environment, String... args) throws Exception {
        Path log = Files.createTempFile(tmp, "run-", ".log");
        Process process = Installation.start(launcher, directory, log, environment, args);
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("bin/semdex " + String.join(" ", args) + " still running after 180 s:\n" + Files.readString(log));
        }
        // The JVM's note about the incubating vector module is not the command's output.
        String output = Files.readString(log).lines().filter(l -> !l.startsWith("WARNING: Using incubator modules"))
                .reduce("", (a, b) -> a.isEmpty() ? b : a + "\n" + b);
        return new Result(process.exitValue(), output);
    }

    private String get(int port, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private void awaitDocuments(int port, long documents) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
        long indexed = 0;
        while (System.nanoTime() < deadline) {
            indexed = Json.MAPPER.readTree(get(port, "/api/status")).get("documents").asLong();
            if (indexed >= documents) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(indexed + " of " + documents + " documents searchable after 300 s");
    }

    private static void awaitLine(Path log, String line, Process process) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            if (Files.exists(log) && Files.readString(log).contains(line)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no '" + line + "' (process " + (process.isAlive() ? "running" : "exited") + "); log:\n"
                + (Files.exists(log) ? Files.readString(log) : ""));
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static long megabytes(Path folder, boolean recursive) throws IOException {
        try (Stream<Path> files = recursive ? Files.walk(folder) : Files.list(folder)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum() >> 20;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
