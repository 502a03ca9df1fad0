package io.semdex.embed;

import java.util.Locale;

/**
 * Where padding goes in a batch. Encoders do not care; decoder-style embedding models such as
 * Qwen3-Embedding were trained with left padding, so their last position is always a real token.
 */
public enum PaddingSide {
    LEFT,
    RIGHT;

    /** Parses {@code left} or {@code right}. */
    public static PaddingSide parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "left" -> LEFT;
            case "right" -> RIGHT;
            default -> throw new IllegalArgumentException("unknown padding side '" + name + "'; known: left, right");
        };
    }
}
