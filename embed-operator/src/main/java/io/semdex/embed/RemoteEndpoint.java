package io.semdex.embed;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * An OpenAI-compatible embeddings server (vLLM, SGLang, TEI, another semdex, OpenAI itself).
 *
 * @param baseUrl the API root, ending in {@code /v1}; {@code /embeddings} and {@code /models} are below it
 * @param model the model name the server knows, sent as {@code "model"}
 * @param apiKeyEnv name of the environment variable holding the bearer token, or null for none
 *     (the key itself never appears in a spec, a job graph or a log)
 * @param timeout for one HTTP request
 * @param retries further attempts after a failed request (connection error, timeout, 408, 429, 5xx)
 * @param maxInputsPerRequest most texts per request
 */
public record RemoteEndpoint(String baseUrl, String model, String apiKeyEnv, Duration timeout, int retries, int maxInputsPerRequest)
        implements Serializable {

    public RemoteEndpoint {
        Objects.requireNonNull(model, "model");
        URI uri;
        try {
            uri = URI.create(Objects.requireNonNull(baseUrl, "url"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("url must be an http(s) URL, got '" + baseUrl + "'");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("url must be an http(s) URL, got '" + baseUrl + "'");
        }
        String trimmed = baseUrl.replaceAll("/+$", "");
        baseUrl = trimmed.endsWith("/v1") ? trimmed : trimmed + "/v1";
        if (model.isBlank()) {
            throw new IllegalArgumentException("remote-model must name the server's model");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
        }
        if (retries < 0 || retries > 20) {
            throw new IllegalArgumentException("retries must be in 0..20, got " + retries);
        }
        if (maxInputsPerRequest < 1 || maxInputsPerRequest > 2048) {
            throw new IllegalArgumentException("request-size must be in 1..2048, got " + maxInputsPerRequest);
        }
    }

    public URI embeddingsUri() {
        return URI.create(baseUrl + "/embeddings");
    }

    public URI modelsUri() {
        return URI.create(baseUrl + "/models");
    }
}
