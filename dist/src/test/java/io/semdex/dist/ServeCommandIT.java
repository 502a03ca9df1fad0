package io.semdex.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.app.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code semdex serve --host 0.0.0.0} as its own process (the installed distribution's
 * {@code bin/semdex}), with the API key in its environment and a real broker behind
 * {@code POST /api/documents}: writes without the key get 401, with it 202.
 */
class ServeCommandIT {

    private static final String KEY = "serve-it-key-0123456789abcdef";

    @TempDir
    Path tmp;

    @Test
    void onAllInterfacesWritesNeedTheKeyFromTheEnvironment() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of("documents", 1));
            int port = Installation.freePort();
            Path log = tmp.resolve("serve.log");
            Process serve = Installation.semdex(tmp, log, Map.of("SEMDEX_SERVE_IT_KEY", KEY), "serve",
                    "--index", Files.createDirectories(tmp.resolve("index")).toString(), "--host", "0.0.0.0", "--port", Integer.toString(port),
                    "--bootstrap", kafka.bootstrapServers(), "--topic", "documents", "--api-key-env", "SEMDEX_SERVE_IT_KEY");
            try {
                HttpClient http = HttpClient.newHttpClient();
                Installation.awaitHealthy(serve, port, log, "semdex serve:", Duration.ofSeconds(120));
                assertThat(Files.readString(log)).contains("API key from $SEMDEX_SERVE_IT_KEY, needed for writes");
                // The query service alone keeps HotSpot's compile thresholds; the job's are the demo's (DistributionIT).
                assertThat(Files.readString(Path.of("/proc", Long.toString(serve.pid()), "cmdline"))).doesNotContain("Tier4");
                String doc = "{\"id\":\"serve-it-1\",\"body\":\"The office closes at 6 pm on Fridays.\"}";

                HttpResponse<String> anonymous = post(http, port, doc, List.of());
                assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
                HttpResponse<String> wrong = post(http, port, doc, List.of("Authorization", "Bearer not-the-key-0123456789"));
                assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(401);
                HttpResponse<String> keyed = post(http, port, doc, List.of("Authorization", "Bearer " + KEY));
                assertThat(keyed.statusCode()).as(keyed.body()).isEqualTo(202);
                HttpResponse<String> search = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/search?q=office"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(search.statusCode()).as("reads stay open without --key-for-reads").isEqualTo(200);
            } finally {
                serve.destroy();
                if (!serve.waitFor(30, TimeUnit.SECONDS)) {
                    serve.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static HttpResponse<String> post(HttpClient http, int port, String json, List<String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/documents"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (!headers.isEmpty()) {
            request.headers(headers.toArray(String[]::new));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
