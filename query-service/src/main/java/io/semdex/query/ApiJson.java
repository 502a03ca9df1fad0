package io.semdex.query;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The one way the HTTP API reads a JSON body and writes JSON, errors included. An error takes the
 * shape of the endpoint it answers: OpenAI's {@code {"error": {"message", "type", "param", "code"}}}
 * under {@code /v1}, {@code {"error": "…"}} everywhere else; never a stack trace.
 */
final class ApiJson {

    /** A body over the limit up to this size is read and dropped before the 413, so that a client still sending it reads the answer. */
    static final long DRAIN_LIMIT_BYTES = 64L * 1024 * 1024;

    private ApiJson() {}

    /** Answers {@code body} as JSON with {@code status}. */
    static void send(Response response, Callback callback, int status, Object body) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    /** Answers {@code error} in the shape of the request's endpoint, with its headers. */
    static void error(Request request, Response response, Callback callback, ApiException error) {
        if (error.status == 413) {
            drain(request, response);
        }
        error.headers.forEach((name, value) -> response.getHeaders().put(name, value));
        send(response, callback, error.status, body(ApiJson.path(request), error));
    }

    /**
     * The request's whole path: what a client sent and what the API's paths name (a path mapping
     * hands its resource the part after its prefix as the path in context).
     */
    static String path(Request request) {
        return request.getHttpURI().getDecodedPath();
    }

    /** Whether {@code path} answers errors in OpenAI's shape. */
    static boolean openAiShape(String path) {
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    /** A failure the client cannot fix; the log has the details. */
    static ApiException internal(String path) {
        return new ApiException(500, openAiShape(path) ? "The server had an error while processing your request; its log has the details."
                : "internal error; the service log has the details");
    }

    private static Map<String, Object> body(String path, ApiException error) {
        if (!openAiShape(path)) {
            return Map.of("error", error.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", error.getMessage());
        body.put("type", error.status >= 500 ? "server_error" : "invalid_request_error");
        body.put("param", error.param);
        body.put("code", error.code != null ? error.code : switch (error.status) {
            case 401 -> "invalid_api_key";
            case 429 -> "rate_limit_exceeded";
            default -> null;
        });
        return Map.of("error", body);
    }

    /**
     * The request's JSON body, read up to {@code limit} bytes.
     *
     * @throws ApiException 413 for a larger body, 400 for an empty one, one that is not UTF-8 or not JSON
     */
    static JsonNode read(Request request, int limit) throws IOException {
        long declared = request.getLength();
        if (declared > limit) {
            throw new ApiException(413, "request body is " + declared + " bytes; the limit is " + limit);
        }
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes(limit + 1);
        } catch (IOException | RuntimeException e) {
            if (tooLarge(e)) { // Jetty's size limit stopped the body on its way in
                throw new ApiException(413, "request body is larger than " + limit + " bytes; the limit is " + limit);
            }
            throw e;
        }
        if (bytes.length > limit) {
            throw new ApiException(413, "request body is larger than " + limit + " bytes; the limit is " + limit);
        }
        if (bytes.length == 0) {
            throw new ApiException(400, "request body is empty; send JSON");
        }
        try {
            return Json.MAPPER.readTree(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            throw new ApiException(400, "request body is not valid UTF-8");
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    private static boolean tooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpException http && http.getCode() == 413) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads and drops what is left of a body too large to take, up to {@link #DRAIN_LIMIT_BYTES}, so
     * that a client still sending it reads the answer instead of a reset connection; a larger one is
     * not read, and the connection is closed after the answer.
     */
    private static void drain(Request request, Response response) {
        if (request.getLength() <= DRAIN_LIMIT_BYTES) {
            try (InputStream in = Content.Source.asInputStream(request)) {
                long left = DRAIN_LIMIT_BYTES;
                byte[] sink = new byte[64 * 1024];
                for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
                    left -= n;
                }
                if (left > 0) {
                    return;
                }
            } catch (IOException e) {
                // the client gave up, or the body was cut off at the limit: closing is all that is left
            }
        }
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
}
