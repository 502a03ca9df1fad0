package io.semdex.query;

/** A request the client must change; becomes {@code {"error": message}} with the status. */
final class ApiException extends RuntimeException {

    final int status;

    ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }
}
