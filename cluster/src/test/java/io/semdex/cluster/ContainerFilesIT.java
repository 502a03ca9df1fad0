package io.semdex.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.app.Semdex;
import io.semdex.ingest.IngestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;

/**
 * The Docker build files against what {@code mvn package} produced (no Docker engine needed):
 * every file a Dockerfile copies exists, {@code docker-compose.yml} parses and builds from those
 * Dockerfiles, its Flink services run the {@code semdex-flink} commands that
 * {@link StandaloneClusterIT} runs as processes, the job's arguments pass the job's own option
 * checks, and the query service's pass {@code semdex serve}'s.
 */
class ContainerFilesIT {

    private static final Path REPO = Path.of(System.getProperty("semdex.repo", "..")).toAbsolutePath().normalize();
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(\\S+)\\s+(\\S+)\\s*$", Pattern.MULTILINE);

    @Test
    void everyFileTheDockerfilesCopyExistsAfterPackage() throws Exception {
        for (String dockerfile : List.of("cluster/Dockerfile", "app/Dockerfile")) {
            String text = Files.readString(REPO.resolve(dockerfile));
            Matcher m = COPY.matcher(text);
            int copies = 0;
            while (m.find()) {
                copies++;
                assertThat(REPO.resolve(m.group(1))).as(dockerfile + " copies " + m.group(1)).exists();
            }
            assertThat(copies).as(dockerfile + " COPY lines").isGreaterThanOrEqualTo(2);
        }
        Path dist = REPO.resolve("cluster/target/flink");
        assertThat(dist.resolve("bin/semdex-flink")).isExecutable();
        assertThat(dist.resolve("plugins/external-resource-gpu/nvidia-gpu-discovery.sh")).isExecutable();
        assertThat(Files.list(dist.resolve("plugins/external-resource-gpu")).map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith("flink-external-resource-gpu-") && n.endsWith(".jar"));
        assertThat(Files.list(dist.resolve("lib")).map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith("flink-runtime-2"))
                .anyMatch(n -> n.startsWith("flink-clients-"))
                .anyMatch(n -> n.startsWith("flink-runtime-web-"))
                .noneMatch(n -> n.startsWith("semdex-"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeRunsTheTestedCommandsWithValidOptions() throws Exception {
        Map<String, Object> compose = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(REPO.resolve("docker-compose.yml")));
        Map<String, Map<String, Object>> services = new java.util.LinkedHashMap<>();
        ((Map<String, Map<String, Object>>) compose.get("services")).forEach((name, raw) -> services.put(name, merged(raw)));
        assertThat(services).containsKeys("kafka", "jobmanager", "taskmanager", "ingest-job", "query");
        assertThat((String) services.get("kafka").get("image")).startsWith("apache/kafka:");

        Map<String, Object> build = (Map<String, Object>) services.get("jobmanager").get("build");
        assertThat(REPO.resolve((String) build.get("dockerfile"))).exists();
        assertThat(REPO.resolve((String) ((Map<String, Object>) services.get("query").get("build")).get("dockerfile"))).exists();

        assertThat(command(services, "jobmanager")).containsExactly("jobmanager");
        assertThat(command(services, "taskmanager").getFirst()).isEqualTo("taskmanager");
        for (String flink : List.of("jobmanager", "taskmanager", "ingest-job")) {
            assertThat(services.get(flink).get("image")).as(flink + " image").isEqualTo("semdex-flink");
            assertThat((List<String>) services.get(flink).get("volumes")).as(flink + " volumes").contains("semdex-data:/data");
        }

        List<String> run = command(services, "ingest-job");
        assertThat(run.subList(0, 2)).containsExactly("run", "-d");
        assertThat(Files.readString(REPO.resolve("cluster/Dockerfile"))).contains(" " + run.get(2) + "\n");
        IngestOptions options = IngestOptions.parse(run.subList(3, run.size()).toArray(String[]::new));
        assertThat(options.job().indexRoot()).isEqualTo(Path.of("/data/index"));

        List<String> serve = command(services, "query");
        assertThat(serve.getFirst()).isEqualTo("serve");
        CommandLine.ParseResult parsed = new CommandLine(new Semdex()).parseArgs(serve.toArray(String[]::new));
        assertThat(serve).contains("/data/index");
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

    /** Applies a YAML merge key ({@code <<: *flink}), which Compose honours and YAML 1.2 loaders leave as a plain key. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> merged(Map<String, Object> raw) {
        Map<String, Object> service = new java.util.LinkedHashMap<>();
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
}
