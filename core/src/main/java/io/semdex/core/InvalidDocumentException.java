package io.semdex.core;

/** A document record that breaks the input contract; the message says what is wrong and how to fix it. */
public final class InvalidDocumentException extends IllegalArgumentException {

    public InvalidDocumentException(String message) {
        super(message);
    }
}
