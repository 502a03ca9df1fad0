package io.semdex.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code semdex demo} and {@code semdex serve} as their own processes, started through the installed
 * distribution's {@code bin/semdex} ({@link Installation}) and stopped with SIGTERM as
 * systemd or Kubernetes stop them: each exits with status 0 within 30 s, and a demo started again
 * on the same data directory has every document the API accepted searchable, each exactly once.
 */
class GracefulStopIT {

    /** What a service manager waits before it kills: Kubernetes' default grace period. */
    private static final Duration STOP_LIMIT = Duration.ofSeconds(30);
    private static final Duration READY_LIMIT = Duration.ofSeconds(180);

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void demoAndServeStopOnSigtermWithStatusZeroAndEveryAcceptedDocumentIsIndexedOnceAfterARestart() throws Exception {
        int port = Installation.freePort();
        Path log = data.resolve("demo.log");
        List<String> accepted = new ArrayList<>();

        Process demo = start(log, "demo", "--data", data.toString(), "--port", Integer.toString(port),
                "--knowledge-base", data.resolve("no-knowledge-base.txt").toString());
        try {
            Installation.awaitHealthy(demo, port, log, "is ready in", READY_LIMIT);
            accepted.addAll(postDocuments(port, "first", 60));
            // SIGTERM right after the last accepted document: some are still on their way through the job.
            stopWithSigterm(demo, log, "demo");
            assertThat(Files.readString(log)).contains("Stopped in").contains("documents are refused from now on");
        } finally {
            demo.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }

        Process again = start(log, "demo", "--data", data.toString(), "--port", Integer.toString(port),
                "--knowledge-base", data.resolve("no-knowledge-base.txt").toString());
        try {
            Installation.awaitHealthy(again, port, log, "is ready in", READY_LIMIT);
            assertThat(Files.readString(log)).contains("Resuming from checkpoint");

            // The query service alone, over the demo's index and broker, as a cluster deployment runs it.
            int servePort = Installation.freePort();
            Path serveLog = data.resolve("serve.log");
            Process serve = start(serveLog, "serve", "--index", data.resolve("index").toString(), "--port", Integer.toString(servePort),
                    "--bootstrap", kafkaAddress(log));
            try {
                Installation.awaitHealthy(serve, servePort, serveLog, "semdex serve:", READY_LIMIT);
                accepted.addAll(postDocuments(servePort, "via-serve", 20));
                assertThat(get(servePort, "/api/search?mode=keyword&q=" + URLEncoder.encode("crate", StandardCharsets.UTF_8)).statusCode())
                        .isEqualTo(200);
                stopWithSigterm(serve, serveLog, "serve");
                assertThat(Files.readString(serveLog)).contains("semdex serve stopped (SIGTERM)");
            } finally {
                serve.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }

            awaitIndexed(port, accepted);
            JsonNode status = Json.MAPPER.readTree(get(port, "/api/status").body());
            // One unit per document (each body is one short sentence), and no knowledge base: any duplicate shows here.
            assertThat(status.get("documents").asInt()).isEqualTo(accepted.size());
            assertThat(status.get("units").asInt()).isEqualTo(accepted.size());

            stopWithSigterm(again, log, "restarted demo");
        } finally {
            again.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Sends SIGTERM, asserts exit status 0 within {@link #STOP_LIMIT}, and prints the time it took. */
    private static void stopWithSigterm(Process process, Path log, String what) throws Exception {
        long start = System.nanoTime();
        process.destroy(); // SIGTERM
        boolean exited = process.waitFor(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(exited).as("%s exits within %s of SIGTERM; log:%n%s", what, STOP_LIMIT, Installation.tail(log)).isTrue();
        assertThat(process.exitValue()).as("exit status of %s; log:%n%s", what, Installation.tail(log)).isZero();
        System.out.printf("%s: SIGTERM to exit 0 in %d ms%n", what, millis);
        Files.readAllLines(log).stream().filter(l -> l.contains("EmbeddedStack") && (l.contains("behind") || l.contains("read every")
                || l.contains("Stopped in"))).forEach(l -> System.out.println("  " + l));
    }

    private List<String> postDocuments(int port, String prefix, int count) throws Exception {
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/documents"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"body\":\"Crate " + i + " of " + prefix
                            + " bolts left dock " + (i % 7) + " on time.\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("POST %s: %s", id, response.body()).isEqualTo(202);
            accepted.add(id);
        }
        return accepted;
    }

    private void awaitIndexed(int port, List<String> ids) throws Exception {
        String query = ids.stream().map(id -> "id=" + id).collect(Collectors.joining("&"));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        JsonNode answer = null;
        while (System.nanoTime() < deadline) {
            answer = Json.MAPPER.readTree(get(port, "/api/documents?" + query).body());
            if (answer.get("pending").isEmpty()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("documents still pending after 120 s: " + answer.get("pending"));
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The broker address the (last started) demo printed. */
    private static String kafkaAddress(Path log) throws IOException {
        Matcher m = Pattern.compile("kafka: +(\\S+)").matcher(Files.readString(log));
        String address = null;
        while (m.find()) {
            address = m.group(1);
        }
        assertThat(address).as("kafka address in the demo's output").isNotNull();
        return address;
    }

    private Process start(Path log, String... args) throws IOException, InterruptedException {
        return Installation.semdex(data, log, Map.of(), args);
    }
}
