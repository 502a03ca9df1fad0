package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

    private static final String KEY = "0123456789abcdef-key";

    @Test
    void theDefaultNeedsNoKeyAllowsNoOriginAndHasNoRateLimit() {
        AccessPolicy policy = AccessPolicy.DEFAULT;
        assertThat(policy.needsKey("POST", "/api/documents")).isFalse();
        assertThat(policy.needsKey("GET", "/api/search")).isFalse();
        assertThat(policy.allowsOrigin("https://evil.example")).isFalse();
        assertThat(policy.allowsOrigin(null)).isFalse();
        assertThat(policy.requestsPerSecond()).isZero();
        assertThat(policy.maxBodyBytes()).isEqualTo(8 * 1024 * 1024);
    }

    @Test
    void aKeyProtectsWritesOnlyUnlessReadsAreProtectedToo() {
        AccessPolicy writes = AccessPolicy.DEFAULT.withApiKey(KEY, false);
        assertThat(writes.needsKey("POST", "/api/documents")).isTrue();
        assertThat(writes.needsKey("PUT", "/api/documents")).isTrue();
        assertThat(writes.needsKey("GET", "/api/documents")).isFalse();
        assertThat(writes.needsKey("GET", "/api/search")).isFalse();
        assertThat(writes.needsKey("POST", "/api/search")).isFalse();
        assertThat(writes.needsKey("GET", "/metrics")).isFalse();

        AccessPolicy all = AccessPolicy.DEFAULT.withApiKey(KEY, true);
        for (String path : List.of("/api/search", "/api/status", "/api/documents", "/metrics", "/ready", "/v1/embeddings", "/v1/models",
                "/no/such/path")) {
            assertThat(all.needsKey("GET", path)).as(path).isTrue();
        }
        // Liveness and the page's files hold no data; the page must load for a key to be typed into it.
        for (String path : List.of("/health", "/", "/index.html", "/static/app.js")) {
            assertThat(all.needsKey("GET", path)).as(path).isFalse();
        }
        assertThat(all.needsKey("OPTIONS", "/api/search")).as("CORS preflights carry no credentials").isFalse();
    }

    @Test
    void anEmptyKeyMeansNone() {
        assertThat(AccessPolicy.DEFAULT.withApiKey("", false).apiKey()).isNull();
        assertThat(AccessPolicy.DEFAULT.withApiKey(null, false).needsKey("POST", "/api/documents")).isFalse();
    }

    @Test
    void badSettingsAreRefusedWithTheValueAndTheRule() {
        assertThatThrownBy(() -> AccessPolicy.DEFAULT.withApiKey("short", false))
                .hasMessageContaining("at least 16 characters").hasMessageContaining("got 5");
        assertThatThrownBy(() -> AccessPolicy.DEFAULT.withApiKey(" " + KEY, false)).hasMessageContaining("surrounding spaces");
        assertThatThrownBy(() -> AccessPolicy.DEFAULT.withApiKey(null, true)).hasMessageContaining("needs an API key");
        assertThatThrownBy(() -> AccessPolicy.DEFAULT.withCorsOrigins(List.of("https://kb.example.com/path")))
                .hasMessageContaining("'https://kb.example.com/path'");
        assertThatThrownBy(() -> AccessPolicy.DEFAULT.withRateLimit(-1, 1)).hasMessageContaining("got -1");
        assertThatThrownBy(() -> AccessPolicy.DEFAULT.withRateLimit(5, 0)).hasMessageContaining("burst");
        assertThatThrownBy(() -> AccessPolicy.DEFAULT.withMaxBodyBytes(10)).hasMessageContaining("got 10");
    }

    @Test
    void originsAreMatchedExactlyAndStarAllowsAny() {
        AccessPolicy policy = AccessPolicy.DEFAULT.withCorsOrigins(List.of("https://kb.example.com", "http://localhost:3000"));
        assertThat(policy.allowsOrigin("https://kb.example.com")).isTrue();
        assertThat(policy.allowsOrigin("http://localhost:3000")).isTrue();
        assertThat(policy.allowsOrigin("https://kb.example.com.evil.example")).isFalse();
        assertThat(policy.allowsOrigin("http://kb.example.com")).isFalse();
        assertThat(AccessPolicy.DEFAULT.withCorsOrigins(List.of("*")).allowsOrigin("https://any.example")).isTrue();
    }

    @Test
    void theKeyNeverAppearsInToString() {
        assertThat(AccessPolicy.DEFAULT.withApiKey(KEY, true).toString()).doesNotContain(KEY).contains("apiKey=set");
    }

    @Test
    void theServiceBindsToLoopbackByDefault() {
        assertThat(QueryServiceConfig.DEFAULT_HOST).isEqualTo("127.0.0.1");
    }
}
