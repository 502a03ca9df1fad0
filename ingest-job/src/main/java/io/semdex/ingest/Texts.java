package io.semdex.ingest;

import java.util.Locale;

/**
 * Text clean-up shared by the parsers: what a parser hands on is plain, valid Unicode with no
 * control characters, so the tokenizer and the index never see a lone surrogate from a stray
 * {@code &#xD800;} or a NUL from a broken export.
 */
final class Texts {

    private Texts() {}

    /** Prose: whitespace runs become one space, line breaks stay single, the ends are trimmed. */
    static String prose(String raw) {
        if (raw == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(raw.length());
        boolean pendingSpace = false;
        boolean pendingBreak = false;
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029) {
                pendingBreak = true;
            } else if (isSpace(cp)) {
                pendingSpace = true;
            } else if (isDropped(cp)) {
                continue;
            } else {
                if (!out.isEmpty()) {
                    if (pendingBreak) {
                        out.append('\n');
                    } else if (pendingSpace) {
                        out.append(' ');
                    }
                }
                pendingSpace = false;
                pendingBreak = false;
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    /** Code: lines and indentation stay as written; trailing spaces and blank edge lines go. */
    static String code(String raw) {
        if (raw == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); ) {
            int cp = raw.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '\r') {
                continue;
            }
            if (cp == '\t') {
                out.append("    ");
            } else if (cp == '\n' || !isDropped(cp)) {
                out.appendCodePoint(isSpace(cp) && cp != '\n' ? ' ' : cp);
            }
        }
        String[] lines = out.toString().split("\n", -1);
        StringBuilder trimmed = new StringBuilder(out.length());
        for (String line : lines) {
            trimmed.append(line.stripTrailing()).append('\n');
        }
        String text = trimmed.toString();
        int start = 0;
        while (start < text.length() && text.charAt(start) == '\n') {
            start++;
        }
        return text.substring(start).stripTrailing();
    }

    /** Letters and digits only, lower-cased: "How can I support priority queues?" equals its title without "?". */
    static String key(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().filter(Character::isLetterOrDigit).forEach(out::appendCodePoint);
        return out.toString().toLowerCase(Locale.ROOT);
    }

    static boolean isQuestion(String text) {
        String s = text.strip();
        return s.endsWith("?") || s.endsWith("？");
    }

    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    /** Control and format characters (zero-width spaces, BOMs, soft hyphens) and unpaired surrogates. */
    private static boolean isDropped(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.UNASSIGNED && cp >= 0xFFFE || type == Character.PRIVATE_USE;
    }
}
