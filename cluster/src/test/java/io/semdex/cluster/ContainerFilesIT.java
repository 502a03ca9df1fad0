package io.semdex.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.app.EmbeddedKafka;
import io.semdex.app.Semdex;
import io.semdex.ingest.IngestOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;

/**
 * The images against what {@code mvn package} produced, with no Docker engine: each Dockerfile is
 * read instruction by instruction ({@link Dockerfile}); every file it copies exists; it runs as an
 * unprivileged user, exposes the documented ports and has no RUN step; its entry point is the
 * distribution's own launcher; and that entry point, run on this machine from the same files laid
 * out as in the image, starts and answers. {@code docker-compose.yml} builds from those Dockerfiles,
 * runs the tested commands with options that pass their own checks, and publishes nothing that would
 * let strangers run code.
 */
class ContainerFilesIT {

    private static final Path REPO = Path.of(System.getProperty("semdex.repo", "..")).toAbsolutePath().normalize();
    private static final Duration START_LIMIT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyImageCopiesFilesThePackageBuildMakesAndRunsAsAnUnprivilegedUserWithNoRunStep() throws Exception {
        for (String path : List.of("dist/Dockerfile", "cluster/Dockerfile", "kubernetes/flink.Dockerfile")) {
            Dockerfile image = Dockerfile.parse(REPO.resolve(path)); // refuses RUN and anything else it does not know
            assertThat(image.copies()).as(path + " COPY lines").isNotEmpty();
            for (Dockerfile.Copy copy : image.copies()) {
                assertThat(sources(copy)).as("%s copies %s", path, copy.source()).isNotEmpty();
            }
            assertThat(image.uid()).as(path + " USER").isPositive().isNotEqualTo(Integer.MAX_VALUE);
            System.out.printf("%s: FROM %s, %d copies, user %s, ports %s%n", path, image.from(), image.copies().size(), image.user(),
                    image.exposed());
        }
        Dockerfile query = Dockerfile.parse(REPO.resolve("dist/Dockerfile"));
        assertThat(query.exposed()).containsExactly(8080);
        assertThat(query.entrypoint()).containsExactly("/opt/semdex/bin/semdex");
        assertThat(query.copies()).extracting(Dockerfile.Copy::source)
                .as("the query image: launcher, lib/ and the model jars; no libtorch, no LangChain4j, no job jar")
                .contains("dist/target/semdex/bin/", "dist/target/semdex/lib/*.jar", "dist/target/semdex/lib/models/")
                .noneMatch(s -> s.contains("pytorch") || s.contains("bench") || s.contains("job"));

        Dockerfile flink = Dockerfile.parse(REPO.resolve("cluster/Dockerfile"));
        assertThat(flink.exposed()).containsExactly(6123, 8081);
        assertThat(flink.entrypoint()).containsExactly("semdex-flink");
        assertThat(flink.env().get("PATH")).startsWith("/opt/semdex/flink/bin:");
        assertThat(flink.copies()).as("/data, the volume's mount point, belongs to the user the processes run as")
                .anyMatch(c -> c.target().equals("/data/") && c.chown() != null && c.chown().equals(flink.user()));
        Path lib = REPO.resolve("cluster/target/flink/lib");
        assertThat(names(lib)).anyMatch(n -> n.startsWith("flink-runtime-2")).anyMatch(n -> n.startsWith("flink-clients-"))
                .anyMatch(n -> n.startsWith("onnxruntime-") && n.endsWith("-linux.jar")).noneMatch(n -> n.startsWith("semdex-"))
                .noneMatch(n -> n.matches("onnxruntime-[0-9.]+\\.jar"));
        assertThat(REPO.resolve("cluster/target/flink/bin/semdex-flink")).isExecutable();
        assertThat(names(REPO.resolve("cluster/target/flink/plugins/external-resource-gpu"))).anyMatch(n -> n.startsWith("flink-external-resource-gpu-"));

        // The operator's image is Flink's own: its entry point and lib/ are Flink's, with the job jar in usrlib/.
        Dockerfile operator = Dockerfile.parse(REPO.resolve("kubernetes/flink.Dockerfile"));
        assertThat(operator.from()).startsWith("flink:2.2.1-").endsWith("-java21");
        assertThat(operator.entrypoint()).isEmpty();
        assertThat(operator.copies()).extracting(Dockerfile.Copy::target).containsExactly("/opt/flink/lib/", "/opt/flink/usrlib/semdex-ingest-job.jar");
        assertThat(names(REPO.resolve("cluster/target/flink-addons/lib"))).anyMatch(n -> n.startsWith("onnxruntime-engine-"))
                .anyMatch(n -> n.startsWith("tokenizers-") && n.endsWith("-linux.jar")).noneMatch(n -> n.startsWith("flink-"));
    }

    @Test
    void theQueryImagesEntryPointRunFromItsFilesServesSearches() throws Exception {
        Dockerfile image = Dockerfile.parse(REPO.resolve("dist/Dockerfile"));
        Path root = stage(image, tmp.resolve("query-root"));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of("documents", 1));
            int port = freePort();
            List<String> command = new ArrayList<>();
            command.add(root + image.entrypoint().getFirst());
            for (String arg : image.cmd()) {
                // The image's paths under the staged root, its broker and port those of this machine; everything else as is.
                command.add(arg.startsWith("/data") ? root + arg : arg.equals("kafka:9092") ? kafka.bootstrapServers()
                        : arg.equals("8080") ? Integer.toString(port) : arg);
            }
            Files.createDirectories(root.resolve("data/index"));
            Map<String, String> env = new LinkedHashMap<>(image.env());
            env.put("SEMDEX_API_KEY", "image-test-key-0123456789abcdef"); // compose passes one: on 0.0.0.0 writes need it
            Path log = tmp.resolve("query.log");
            Process serve = start(command, root.resolve(image.workdir().substring(1)), env, log);
            try {
                awaitOk(port, "/health", serve, log);
                assertThat(get(port, "/api/status").statusCode()).isEqualTo(200);
                String commandLine = Files.readString(Path.of("/proc", Long.toString(serve.pid()), "cmdline")).replace('\0', ' ');
                assertThat(commandLine).as("the JVM runs on the image's lib/").contains(root + "/opt/semdex/lib/*")
                        .contains("-Duser.home=/tmp");
                System.out.println("query image entry point: " + String.join(" ", command) + " answered /health");
            } finally {
                serve.destroy();
                assertThat(serve.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM; log:%n%s", Files.readString(log)).isTrue();
            }
            assertThat(serve.exitValue()).as(Files.readString(log)).isZero();
        }
    }

    @Test
    void theFlinkImagesEntryPointRunFromItsFilesStartsAJobManager() throws Exception {
        Dockerfile image = Dockerfile.parse(REPO.resolve("cluster/Dockerfile"));
        Path root = stage(image, tmp.resolve("flink-root"));
        int restPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(root + "/opt/semdex/flink/bin/" + image.entrypoint().getFirst()); // found on the image's PATH
        command.addAll(image.cmd());
        // The compose service names (jobmanager, kafka) mean nothing here: loopback and free ports instead.
        command.addAll(List.of("-D", "jobmanager.rpc.address=127.0.0.1", "-D", "jobmanager.bind-host=127.0.0.1",
                "-D", "jobmanager.rpc.port=" + freePort(), "-D", "rest.address=127.0.0.1", "-D", "rest.bind-address=127.0.0.1",
                "-D", "rest.port=" + restPort, "-D", "execution.checkpointing.dir=file://" + root + "/data/checkpoints"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", root + image.env().get("PATH").replace("$PATH", System.getenv("PATH")));
        env.put("FLINK_CONF_DIR", root + image.env().get("FLINK_CONF_DIR"));
        env.put("SEMDEX_FLINK_JAVA_OPTS", image.env().get("SEMDEX_FLINK_JAVA_OPTS"));
        Path log = tmp.resolve("jobmanager.log");
        Process jobManager = start(command, root.resolve(image.workdir().substring(1)), env, log);
        try {
            awaitOk(restPort, "/config", jobManager, log);
            assertThat(get(restPort, "/overview").body()).contains("\"taskmanagers\":0");
            assertThat(get(restPort, "/config").body()).as("the shipped config.yaml turns jar uploads off")
                    .contains("\"web-submit\":false");
            System.out.println("Flink image entry point: " + String.join(" ", command.subList(0, 2)) + " answered /config");
        } finally {
            jobManager.destroy();
            jobManager.waitFor(30, TimeUnit.SECONDS);
            jobManager.destroyForcibly();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeBuildsTheCheckedImagesRunsTheTestedCommandsAndPublishesNothingThatRunsCode() throws Exception {
        Map<String, Object> compose = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(REPO.resolve("docker-compose.yml")));
        Map<String, Map<String, Object>> services = new LinkedHashMap<>();
        ((Map<String, Map<String, Object>>) compose.get("services")).forEach((name, raw) -> services.put(name, merged(raw)));
        assertThat(services).containsKeys("kafka", "jobmanager", "taskmanager", "ingest-job", "query");
        assertThat((String) services.get("kafka").get("image")).startsWith("apache/kafka:");
        assertThat((List<String>) services.get("kafka").get("volumes")).as("the broker's log outlives its container")
                .anyMatch(v -> v.startsWith("kafka-data:"));

        Map<String, Object> build = (Map<String, Object>) services.get("jobmanager").get("build");
        assertThat(build.get("dockerfile")).isEqualTo("cluster/Dockerfile");
        assertThat(((Map<String, Object>) services.get("query").get("build")).get("dockerfile")).isEqualTo("dist/Dockerfile");

        assertThat(command(services, "jobmanager")).containsExactly("jobmanager");
        assertThat(command(services, "taskmanager").getFirst()).isEqualTo("taskmanager");
        for (String flink : List.of("jobmanager", "taskmanager", "ingest-job")) {
            assertThat(services.get(flink).get("image")).as(flink + " image").isEqualTo("semdex-flink");
            assertThat((List<String>) services.get(flink).get("volumes")).as(flink + " volumes").contains("semdex-data:/data");
        }

        // Flink's REST API runs whatever job it is sent: it is published on this machine's loopback only, if at all,
        // and the shipped configuration takes no jar uploads.
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            for (String port : (List<String>) service.getValue().getOrDefault("ports", List.of())) {
                if (!service.getKey().equals("query")) {
                    assertThat(port).as(service.getKey() + " publishes " + port).startsWith("127.0.0.1:");
                }
            }
        }
        assertThat(Files.readString(REPO.resolve("cluster/src/main/flink/conf/config.yaml"))).containsPattern("(?m)^web\\.submit\\.enable: false$");

        List<String> run = command(services, "ingest-job");
        assertThat(run.subList(0, 2)).containsExactly("run", "-d");
        assertThat(Dockerfile.parse(REPO.resolve("cluster/Dockerfile")).copies()).extracting(Dockerfile.Copy::target).contains(run.get(2));
        IngestOptions options = IngestOptions.parse(run.subList(3, run.size()).toArray(String[]::new));
        assertThat(options.job().indexRoot()).isEqualTo(Path.of("/data/index"));

        List<String> serve = command(services, "query");
        assertThat(serve.getFirst()).isEqualTo("serve");
        assertThat(serve).isEqualTo(Dockerfile.parse(REPO.resolve("dist/Dockerfile")).cmd());
        CommandLine.ParseResult parsed = new CommandLine(new Semdex()).parseArgs(serve.toArray(String[]::new));
        assertThat((List<String>) services.get("query").get("volumes")).contains("semdex-data:/data");

        // Published on every interface, serve refuses writes without a key: compose must pass the one it is given.
        CommandLine.Model.CommandSpec serveSpec = parsed.subcommand().commandSpec();
        assertThat(serve).doesNotContain("--allow-anonymous-writes");
        assertThat(serveSpec.findOption("--host").<String>getValue()).isEqualTo("0.0.0.0");
        String keyVariable = serveSpec.findOption("--api-key-env").getValue();
        Map<String, Object> environment = (Map<String, Object>) services.get("query").get("environment");
        assertThat(environment).as("query environment").containsKey(keyVariable);
        assertThat((String) environment.get(keyVariable)).as("compose refuses to start without the key")
                .startsWith("${" + keyVariable + ":?").endsWith("}");
    }

    /** The files a COPY takes from the repository: a folder's files, a glob's matches, or one file. */
    private static List<Path> sources(Dockerfile.Copy copy) throws IOException {
        String source = copy.source();
        if (source.endsWith("/")) {
            Path dir = REPO.resolve(source);
            return Files.isDirectory(dir) ? walk(dir) : List.of();
        }
        if (source.contains("*")) {
            Path dir = REPO.resolve(source.substring(0, source.lastIndexOf('/')));
            PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + source.substring(source.lastIndexOf('/') + 1));
            return Files.isDirectory(dir) ? names(dir).stream().filter(n -> glob.matches(Path.of(n))).map(dir::resolve).toList() : List.of();
        }
        Path file = REPO.resolve(source);
        return Files.isRegularFile(file) ? List.of(file) : List.of();
    }

    /** Lays the image's copied files out under {@code root} as the image has them (modes kept, as COPY keeps them). */
    private static Path stage(Dockerfile image, Path root) throws IOException {
        for (Dockerfile.Copy copy : image.copies()) {
            Path target = root.resolve(copy.target().substring(1));
            if (copy.source().endsWith("/")) {
                Path dir = REPO.resolve(copy.source());
                for (Path file : walk(dir)) {
                    copyFile(file, target.resolve(dir.relativize(file).toString()));
                }
            } else {
                for (Path file : sources(copy)) {
                    copyFile(file, copy.target().endsWith("/") ? target.resolve(file.getFileName().toString()) : target);
                }
            }
        }
        if (image.workdir() != null) {
            Files.createDirectories(root.resolve(image.workdir().substring(1)));
        }
        return root;
    }

    private static void copyFile(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
    }

    private Process start(List<String> command, Path directory, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        return builder.start();
    }

    private void awaitOk(int port, String path, Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (get(port, path).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no 200 from " + path + " (process " + (process.isAlive() ? "running" : "exited with " + process.exitValue())
                + "); log:\n" + Files.readString(log));
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Applies a YAML merge key ({@code <<: *flink}), which Compose honours and YAML 1.2 loaders leave as a plain key. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> merged(Map<String, Object> raw) {
        Map<String, Object> service = new LinkedHashMap<>();
        if (raw.get("<<") instanceof Map<?, ?> base) {
            service.putAll((Map<String, Object>) base);
        }
        raw.forEach((key, value) -> {
            if (!key.equals("<<")) {
                service.put(key, value);
            }
        });
        return service;
    }

    @SuppressWarnings("unchecked")
    private static List<String> command(Map<String, Map<String, Object>> services, String name) {
        return new ArrayList<>((List<String>) services.get(name).get("command"));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<Path> walk(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
