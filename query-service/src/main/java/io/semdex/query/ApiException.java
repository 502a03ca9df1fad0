package io.semdex.query;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the client must change, or a state the service is in (503): the status, a message
 * that says what to do, the headers that go with it ({@code Retry-After}, {@code WWW-Authenticate}),
 * and, for the OpenAI-compatible endpoints, the {@code param} and {@code code} of OpenAI's error
 * shape. {@link ApiJson#error} writes it in the shape of the endpoint it was raised for.
 */
final class ApiException extends RuntimeException {

    final int status;
    /** The request field at fault (OpenAI's {@code param}); null when none. */
    final String param;
    /** OpenAI's machine-readable {@code code}; null for the one that goes with the status. */
    final String code;
    final Map<String, String> headers = new LinkedHashMap<>();

    ApiException(int status, String message) {
        this(status, message, null, null);
    }

    ApiException(int status, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.param = param;
        this.code = code;
    }

    /** Sends {@code name: value} with the error. */
    ApiException with(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
