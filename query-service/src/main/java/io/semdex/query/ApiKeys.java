package io.semdex.query;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/** Reads the API key a request presents and compares it with the configured one in constant time. */
final class ApiKeys {

    static final String HEADER = "X-API-Key";

    private ApiKeys() {}

    /** The key from {@code Authorization: Bearer KEY} or {@code X-API-Key: KEY}; null when the request has none. */
    static String presented(HttpFields headers) {
        String authorization = headers.get(HttpHeader.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).strip();
        }
        String header = headers.get(HEADER);
        return header == null ? null : header.strip();
    }

    /** Whether {@code presented} is {@code expected}; the time taken does not depend on where they differ. */
    static boolean matches(String expected, String presented) {
        if (expected == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
    }
}
