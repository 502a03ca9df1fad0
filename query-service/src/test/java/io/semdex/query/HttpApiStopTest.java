package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.IndexLayout;
import io.semdex.core.SourceDocument;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.Slot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first step of a stop, on the real server: documents refused with 503 and Retry-After, searches still answered. */
class HttpApiStopTest {

    @TempDir
    static Path indexRoot;

    private static Embedder embedder;
    private static LiveIndex index;
    private final HttpClient http = HttpClient.newHttpClient();

    private static final RecordingPublisher RECORDING = new RecordingPublisher();

    @BeforeAll
    static void start() {
        embedder = EmbedderSpec.parse("bge-small-zh-v1.5?device=cpu").open(Slot.SINGLE);
        index = new LiveIndex(new IndexLayout(indexRoot), embedder.info(), 100);
    }

    @AfterAll
    static void stop() {
        index.close();
        embedder.close();
    }

    @Test
    void afterStopAcceptingDocumentsGet503WithRetryAfterWhileSearchesAreStillAnswered() throws Exception {
        HttpApi api = new HttpApi("127.0.0.1", 0, new Searcher(index, embedder), index, RECORDING, new OpenAiEmbeddingsApi(embedder));
        try {
            assertThat(postDocument(api, "before").statusCode()).isEqualTo(202);
            assertThat(get(api, "/ready").body()).doesNotContain("stopping"); // an empty index root is not ready either

            api.stopAccepting();

            HttpResponse<String> refused = postDocument(api, "after");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue(Long.toString(HttpApi.STOPPING_RETRY_AFTER_SECONDS));
            assertThat(refused.body()).contains("stopping");
            assertThat(RECORDING.published()).extracting(SourceDocument::id).containsExactly("before");

            assertThat(get(api, "/api/search?q=office&mode=keyword").statusCode()).isEqualTo(200);
            assertThat(get(api, "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(api, "/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("stopping");
        } finally {
            api.close(java.time.Duration.ofSeconds(5));
        }
    }

    private HttpResponse<String> postDocument(HttpApi api, String id) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(api, "/api/documents")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"" + id + "\",\"body\":\"The office opens at nine.\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(HttpApi api, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(api, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(HttpApi api, String path) {
        return URI.create("http://127.0.0.1:" + api.address().getPort() + path);
    }
}
