package io.semdex.query;

import java.util.List;
import java.util.Objects;

/**
 * Who may call the HTTP API and how much: an optional API key, allowed browser origins (CORS),
 * the names the server answers to, a per-client rate limit (and the proxies whose
 * {@code X-Forwarded-For} it believes) and the request body limit. {@link #DEFAULT} is what a local
 * service wants: no key, no cross-origin access, no rate limit, 8 MiB bodies.
 *
 * <pre>{@code
 * AccessPolicy access = AccessPolicy.DEFAULT.withApiKey(System.getenv("SEMDEX_API_KEY"), false)
 *         .withRateLimit(20, 40);
 * }</pre>
 *
 * @param apiKey the key clients send as {@code Authorization: Bearer KEY} or {@code X-API-Key: KEY};
 *     null for none
 * @param keyForReads whether searches, status and metrics need the key too (writes always do when there is one)
 * @param corsOrigins browser origins allowed to call the API from their pages, e.g. {@code https://kb.example.com};
 *     empty: none ({@code *} allows any)
 * @param requestsPerSecond sustained requests per second per client address; 0 turns the limit off
 * @param burst requests a client may make at once before the rate applies
 * @param maxBodyBytes largest request body; larger ones get 413
 * @param allowedHosts names (or addresses) clients reach the server by besides the address it binds to, e.g.
 *     {@code kb.example.com} behind a proxy; a request naming another {@code Host} is refused (see {@link BrowserGuard})
 * @param trustedProxies addresses or CIDR ranges of reverse proxies in front of the service: for a request from
 *     one of them the rate limit keys on the client address the proxy appends to {@code X-Forwarded-For}
 */
public record AccessPolicy(String apiKey, boolean keyForReads, List<String> corsOrigins, double requestsPerSecond, int burst,
        int maxBodyBytes, List<String> allowedHosts, List<String> trustedProxies) {

    public static final int DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;
    /** A key shorter than this is too easy to guess to protect anything. */
    public static final int MIN_KEY_LENGTH = 16;

    public static final AccessPolicy DEFAULT = new AccessPolicy(null, false, List.of(), 0, 0, DEFAULT_MAX_BODY_BYTES, List.of(), List.of());

    public AccessPolicy {
        corsOrigins = List.copyOf(Objects.requireNonNull(corsOrigins, "corsOrigins"));
        allowedHosts = List.copyOf(Objects.requireNonNull(allowedHosts, "allowedHosts"));
        trustedProxies = List.copyOf(Objects.requireNonNull(trustedProxies, "trustedProxies"));
        for (String host : allowedHosts) {
            if (!host.matches("[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]")) {
                throw new IllegalArgumentException("an allowed host is a name or address with no scheme, port or path"
                        + " (e.g. kb.example.com, 10.0.0.5, [::1]); got '" + host + "'");
            }
        }
        for (String proxy : trustedProxies) {
            AddressRange.parse(proxy); // throws naming the bad value
        }
        if (apiKey != null && (apiKey.length() < MIN_KEY_LENGTH || apiKey.strip().length() != apiKey.length())) {
            throw new IllegalArgumentException("the API key must be at least " + MIN_KEY_LENGTH
                    + " characters with no surrounding spaces, got " + apiKey.length() + " characters");
        }
        if (keyForReads && apiKey == null) {
            throw new IllegalArgumentException("keyForReads needs an API key");
        }
        for (String origin : corsOrigins) {
            if (!origin.equals("*") && !origin.matches("https?://[^/\\s]+")) {
                throw new IllegalArgumentException("a CORS origin is scheme://host[:port] with no path, or *; got '" + origin + "'");
            }
        }
        if (Double.isNaN(requestsPerSecond) || requestsPerSecond < 0) {
            throw new IllegalArgumentException("requestsPerSecond must be >= 0 (0: no limit), got " + requestsPerSecond);
        }
        if (requestsPerSecond > 0 && burst < 1) {
            throw new IllegalArgumentException("burst must be >= 1 with a rate limit, got " + burst);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1024, got " + maxBodyBytes);
        }
    }

    /** @param key null or empty for none */
    public AccessPolicy withApiKey(String key, boolean forReads) {
        String k = key == null || key.isEmpty() ? null : key;
        return new AccessPolicy(k, forReads, corsOrigins, requestsPerSecond, burst, maxBodyBytes, allowedHosts, trustedProxies);
    }

    public AccessPolicy withCorsOrigins(List<String> origins) {
        return new AccessPolicy(apiKey, keyForReads, origins, requestsPerSecond, burst, maxBodyBytes, allowedHosts, trustedProxies);
    }

    /** @param perSecond 0 for no limit */
    public AccessPolicy withRateLimit(double perSecond, int burst) {
        return new AccessPolicy(apiKey, keyForReads, corsOrigins, perSecond, burst, maxBodyBytes, allowedHosts, trustedProxies);
    }

    public AccessPolicy withMaxBodyBytes(int bytes) {
        return new AccessPolicy(apiKey, keyForReads, corsOrigins, requestsPerSecond, burst, bytes, allowedHosts, trustedProxies);
    }

    /** @param hosts names clients reach the server by, besides the address it binds to */
    public AccessPolicy withAllowedHosts(List<String> hosts) {
        return new AccessPolicy(apiKey, keyForReads, corsOrigins, requestsPerSecond, burst, maxBodyBytes, hosts, trustedProxies);
    }

    /** @param proxies addresses or CIDR ranges of the reverse proxies whose {@code X-Forwarded-For} the rate limit believes */
    public AccessPolicy withTrustedProxies(List<String> proxies) {
        return new AccessPolicy(apiKey, keyForReads, corsOrigins, requestsPerSecond, burst, maxBodyBytes, allowedHosts, proxies);
    }

    /** Whether a request needs the key: every write; every other request except liveness and the page when {@link #keyForReads}. */
    boolean needsKey(String method, String path) {
        if (apiKey == null || method.equals("OPTIONS")) {
            return false;
        }
        if (isWrite(method, path)) {
            return true;
        }
        return keyForReads && !isPublic(path);
    }

    /** Requests that change the index. */
    static boolean isWrite(String method, String path) {
        return path.equals("/api/documents") && !method.equals("GET");
    }

    /**
     * Liveness, the API's contract and the page's static files hold no data: a browser must be able
     * to load the page to type a key into it, and a client generator to read the contract.
     */
    static boolean isPublic(String path) {
        return path.equals("/health") || path.equals("/openapi.json") || path.equals("/") || path.equals("/index.html") || path.startsWith("/static/");
    }

    boolean allowsOrigin(String origin) {
        return origin != null && (corsOrigins.contains("*") || corsOrigins.contains(origin));
    }

    @Override
    public String toString() { // never the key itself
        return "AccessPolicy[apiKey=" + (apiKey == null ? "none" : "set") + ", keyForReads=" + keyForReads + ", corsOrigins="
                + corsOrigins + ", requestsPerSecond=" + requestsPerSecond + ", burst=" + burst + ", maxBodyBytes=" + maxBodyBytes
                + (allowedHosts.isEmpty() ? "" : ", allowedHosts=" + allowedHosts) + (trustedProxies.isEmpty() ? "" : ", trustedProxies=" + trustedProxies) + "]";
    }
}
