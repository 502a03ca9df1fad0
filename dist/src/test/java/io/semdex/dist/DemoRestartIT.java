package io.semdex.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.DocumentJson;
import io.semdex.core.PublishedUnits;
import io.semdex.core.Unit;
import io.semdex.embed.EmbedderSpec;
import io.semdex.ingest.ExportFiles;
import io.semdex.ingest.RecordParser;
import io.semdex.ingest.SplitReport;
import io.semdex.ingest.Splitter;
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
 * index intact, and every document the API accepted is indexed exactly once; with a bulk load and
 * API writes in flight together, the version each document was last written with wins.
 */
class DemoRestartIT {

    private static final Duration READY_LIMIT = Duration.ofSeconds(120);

    @TempDir
    Path data;

    @Test
    void afterKillMinus9AndARestartEveryAcceptedDocumentIsIndexedExactlyOnce() throws Exception {
        int port = Installation.freePort();
        Path log = data.resolve("demo.log");
        Process demo = startDemo(port, log);
        HttpClient http = HttpClient.newHttpClient();
        List<String> accepted = new ArrayList<>();
        try {
            Installation.awaitHealthy(demo, port, log, "is ready in", READY_LIMIT);
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
            Installation.awaitHealthy(again, port, log, "is ready in", READY_LIMIT);
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

    /**
     * The two lanes across a crash: the docs export is produced to the bulk topic, and while the job
     * is in the middle of it, documents are posted through the API (the interactive lane): new ones,
     * and new versions of export documents, accepted after the export's. Killed with SIGKILL right
     * after the posts, with interactive writes and bulk batches pending, then started again: every
     * accepted document is indexed once, and the version each id was last written with wins, whichever
     * lane it came by.
     */
    @Test
    void afterKillMinus9MidBulkWithInteractiveWritesPendingEveryDocumentIsIndexedOnceAndTheLastWriteWins() throws Exception {
        int port = Installation.freePort();
        Path log = data.resolve("demo.log");
        Path indexRoot = data.resolve("index");
        Process demo = startDemo(port, log);
        HttpClient http = HttpClient.newHttpClient();
        Map<String, List<String>> want = new HashMap<>();
        try {
            Installation.awaitHealthy(demo, port, log, "is ready in", READY_LIMIT);
            // The export, produced to the bulk lane by `semdex produce` and acknowledged.
            Path export = Path.of(System.getProperty("semdex.shared.data", "../../shared/data")).resolve("docs");
            Process produce = Installation.semdex(data, data.resolve("produce.log"), Map.of(), "produce", export.toString(),
                    "--data", data.toString());
            assertThat(produce.waitFor(300, TimeUnit.SECONDS)).as("semdex produce finished").isTrue();
            assertThat(produce.exitValue()).as("semdex produce's exit code; its log: %s", Files.readString(data.resolve("produce.log")))
                    .isZero();
            // What each of its documents is split into, by the same parser and splitter.
            SplitReport report = new SplitReport(new RecordParser(DocumentJson.DEFAULT_MAX_BYTES),
                    Splitter.forModel(EmbedderSpec.defaultModel(), Splitter.DEFAULT_MAX_TOKENS),
                    units -> {
                        if (!units.isEmpty()) { // a page of links only has none, and is never indexed
                            want.put(units.get(0).docId(), units.stream().map(Unit::text).toList());
                        }
                    });
            ExportFiles.scan(export, ExportFiles.Options.defaults()).read(record -> {
                if (record.valid()) {
                    report.add(record.key(), record.value());
                }
            });
            assertThat(want).hasSizeGreaterThan(200);
            int exportUnits = want.values().stream().mapToInt(List::size).sum();
            // Mid-bulk: a checkpoint has published part of the export, most of it is still to come.
            long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
            while (PublishedUnits.read(indexRoot).size() < 100) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no part of the export was published within 300 s");
                }
                Thread.sleep(100);
            }
            assertThat(PublishedUnits.read(indexRoot).size()).as("published before the kill").isLessThan(exportUnits / 2);
            // Interactive writes, each accepted after every export record: new documents, and new versions of export documents.
            List<String> exportIds = want.keySet().stream().sorted().toList();
            for (int i = 0; i < 20; i++) {
                String id = i < 10 ? exportIds.get(i * 17 % exportIds.size()) : "posted-" + i;
                String body = "Corrected by hand: item " + i + " now ships from dock " + (i % 4) + ".";
                assertThat(post(http, port, "{\"id\":" + io.semdex.core.Json.MAPPER.writeValueAsString(id) + ",\"body\":\"" + body + "\"}"))
                        .as("POST of " + id).isEqualTo(202);
                want.put(id, List.of(body));
            }
            demo.destroyForcibly(); // SIGKILL, with the posts and most of the export not yet published
            demo.waitFor(30, TimeUnit.SECONDS);
        } finally {
            demo.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }

        Process again = startDemo(port, log);
        try {
            Installation.awaitHealthy(again, port, log, "is ready in", READY_LIMIT);
            Map<String, List<String>> got = Map.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(600).toNanos();
            while (System.nanoTime() < deadline) {
                got = PublishedUnits.textsByDocument(PublishedUnits.read(data.resolve("index"))); // a unit twice fails here
                if (got.equals(want)) {
                    break;
                }
                Thread.sleep(1_000);
            }
            assertThat(got).as("every document once, each at the version written last").isEqualTo(want);
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
}
