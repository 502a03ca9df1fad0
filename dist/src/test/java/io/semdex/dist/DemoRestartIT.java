package io.semdex.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.PublishedUnits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code semdex demo --data DIR} as its own process (the installed distribution's {@code bin/semdex}),
 * killed with SIGKILL while documents stream in,
 * then started again on the same DIR: it resumes from its last checkpoint with the broker log and
 * index intact, and every document the API accepted is indexed exactly once.
 */
class DemoRestartIT {

    @TempDir
    Path data;

    @Test
    void afterKillMinus9AndARestartEveryAcceptedDocumentIsIndexedExactlyOnce() throws Exception {
        int port = freePort();
        Path log = data.resolve("demo.log");
        Process demo = startDemo(port, log);
        HttpClient http = HttpClient.newHttpClient();
        List<String> accepted = new ArrayList<>();
        try {
            awaitReady(http, port, log);
            for (int i = 0; i < 150; i++) {
                String id = "restart-" + i;
                int status = post(http, port, "{\"id\":\"" + id + "\",\"body\":\"Shipment " + i + " of bolts left dock "
                        + (i % 7) + " on time.\"}");
                if (status == 202) {
                    accepted.add(id);
                }
                if (i == 49) {
                    // A checkpoint completes before the kill, so the restart has one to resume from (a job killed
                    // before its first checkpoint starts over from the committed offsets, which is a different road).
                    awaitIndexed(data.resolve("index"), accepted);
                }
                if (i == 100) {
                    demo.destroyForcibly(); // SIGKILL, mid-stream: later posts fail and are not counted
                    demo.waitFor(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            demo.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(accepted).hasSizeGreaterThanOrEqualTo(100);

        Process again = startDemo(port, log);
        try {
            awaitReady(http, port, log);
            Map<String, Integer> units = Map.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline) {
                units = unitsPerDocument(data.resolve("index"));
                if (units.keySet().containsAll(accepted)) {
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(units.keySet()).containsAll(accepted);
            for (String id : accepted) {
                assertThat(units.get(id)).as("units of %s", id).isEqualTo(1);
            }
            assertThat(Files.readString(log)).contains("Resuming from checkpoint");
        } finally {
            again.destroy();
            again.waitFor(60, TimeUnit.SECONDS);
            again.destroyForcibly();
        }
    }

    private Process startDemo(int port, Path log) throws IOException, InterruptedException {
        return Installation.semdex(data, log, Map.of(), "demo", "--data", data.toString(), "--port", Integer.toString(port),
                "--knowledge-base", data.resolve("no-knowledge-base.txt").toString());
    }

    private static void awaitReady(HttpClient http, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).lines().filter(l -> l.contains("is ready in")).count() > 0) {
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("demo did not become ready; log:\n" + Files.readString(log));
    }

    /** The status of a POST of one document, or -1 when the demo did not answer (it was killed). */
    private static int post(HttpClient http, int port, String json) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/documents"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Units per document in the published commits of the live generation. */
    private static Map<String, Integer> unitsPerDocument(Path indexRoot) throws IOException {
        Map<String, Integer> units = new HashMap<>();
        for (PublishedUnits.Unit unit : PublishedUnits.read(indexRoot)) {
            units.merge(unit.documentId(), 1, Integer::sum);
        }
        return units;
    }

    private static void awaitIndexed(Path indexRoot, List<String> ids) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!unitsPerDocument(indexRoot).keySet().containsAll(ids)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the first " + ids.size() + " documents were not published within 120 s");
            }
            Thread.sleep(250);
        }
    }

    private static int freePort() throws IOException {
        return Installation.freePort();
    }
}
