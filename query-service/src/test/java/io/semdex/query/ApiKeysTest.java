package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void theKeyIsReadFromBearerAuthorizationOrTheApiKeyHeader() {
        assertThat(ApiKeys.presented(HttpFields.build().add("Authorization", "Bearer abc123"))).isEqualTo("abc123");
        assertThat(ApiKeys.presented(HttpFields.build().add("Authorization", "bearer  abc123 "))).isEqualTo("abc123");
        assertThat(ApiKeys.presented(HttpFields.build().add("X-API-Key", "abc123"))).isEqualTo("abc123");
        assertThat(ApiKeys.presented(HttpFields.build().add("x-api-key", "abc123"))).isEqualTo("abc123");
        assertThat(ApiKeys.presented(HttpFields.build())).isNull();
        // Basic credentials are not a key.
        assertThat(ApiKeys.presented(HttpFields.build().add("Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"))).isNull();
    }

    @Test
    void onlyTheExactKeyMatches() {
        String key = "0123456789abcdef-key";
        assertThat(ApiKeys.matches(key, key)).isTrue();
        assertThat(ApiKeys.matches(key, key + "x")).isFalse();
        assertThat(ApiKeys.matches(key, key.substring(1))).isFalse();
        assertThat(ApiKeys.matches(key, key.toUpperCase())).isFalse();
        assertThat(ApiKeys.matches(key, "")).isFalse();
        assertThat(ApiKeys.matches(key, null)).isFalse();
        assertThat(ApiKeys.matches(null, key)).isFalse();
    }
}
