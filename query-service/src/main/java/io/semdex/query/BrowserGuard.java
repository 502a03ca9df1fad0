package io.semdex.query;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses what a web page in someone's browser could make that browser send to this server: a
 * request naming another {@code Host} (a DNS-rebinding page reaches a loopback server under its own
 * name), and a write from a foreign {@code Origin} or with a content type other than JSON (a
 * cross-site form or {@code fetch} sends {@code text/plain} without a CORS preflight).
 *
 * <p>The {@code Host} check applies to every request when the server is bound to loopback (it
 * answers to {@code localhost}, {@code 127.0.0.1}, {@code [::1]} and its bound address) or when
 * names are configured ({@link AccessPolicy#allowedHosts()}); bound to all interfaces with no names
 * configured there is no list to check against, and writes need the API key there anyway.
 */
final class BrowserGuard {

    /** Names this server answers to (lower case, no brackets, no port); empty: any. */
    private final Set<String> hosts;
    private final AccessPolicy access;

    BrowserGuard(String boundHost, AccessPolicy access) {
        this.access = access;
        Set<String> names = new LinkedHashSet<>();
        boolean loopback = isLoopback(boundHost);
        if (loopback || !access.allowedHosts().isEmpty()) {
            if (!isWildcard(boundHost)) {
                names.add(hostName(boundHost));
            }
            if (loopback) {
                names.addAll(Set.of("localhost", "127.0.0.1", "::1"));
            }
            access.allowedHosts().forEach(h -> names.add(hostName(h)));
        }
        this.hosts = Set.copyOf(names);
    }

    /**
     * Refuses (403) a request whose {@code Host} header names another server than this one.
     *
     * @param host the {@code Host} header, null when there is none (not a browser: let through)
     */
    void checkHost(String host) {
        if (hosts.isEmpty() || host == null) {
            return;
        }
        if (!hosts.contains(hostName(host))) {
            throw new ApiException(403, "Host '" + host + "' is not a name of this server (it answers to "
                    + String.join(", ", hosts) + "); a server reached under another name is given it with --allowed-host");
        }
    }

    /**
     * Refuses a write a page of another site could have sent: 415 unless the body is declared JSON,
     * 403 when an {@code Origin} is sent that is neither this server's own nor an allowed CORS origin.
     */
    void checkWrite(String contentType, String origin, String host) {
        if (!isJson(contentType)) {
            throw new ApiException(415, "send documents with 'Content-Type: application/json'"
                    + (contentType == null ? "" : ", not '" + contentType + "'"));
        }
        if (origin != null && !access.allowsOrigin(origin) && !sameOrigin(origin, host)) {
            throw new ApiException(403, "origin " + origin + " may not write here (allowed: this server's own pages"
                    + (access.corsOrigins().isEmpty() ? "" : " and " + String.join(", ", access.corsOrigins())) + ")");
        }
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        return media.equals("application/json");
    }

    /** Whether {@code origin} ({@code scheme://host[:port]}) is the server the request was sent to ({@code Host}). */
    private static boolean sameOrigin(String origin, String host) {
        if (host == null) {
            return false;
        }
        String o = origin.toLowerCase(Locale.ROOT);
        String authority;
        if (o.startsWith("http://")) {
            authority = withoutDefaultPort(o.substring(7), ":80");
        } else if (o.startsWith("https://")) {
            authority = withoutDefaultPort(o.substring(8), ":443");
        } else {
            return false; // "null" (a sandboxed frame, a file) and other schemes are never this server
        }
        String h = host.toLowerCase(Locale.ROOT);
        return authority.equals(h) || authority.equals(withoutDefaultPort(h, ":80")) || authority.equals(withoutDefaultPort(h, ":443"));
    }

    private static String withoutDefaultPort(String authority, String port) {
        return authority.endsWith(port) ? authority.substring(0, authority.length() - port.length()) : authority;
    }

    /** The host part of a {@code Host} header or a bound address: lower case, no port, no brackets, no trailing dot. */
    static String hostName(String hostHeader) {
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            h = close < 0 ? h.substring(1) : h.substring(1, close);
        } else if (h.indexOf(':') == h.lastIndexOf(':') && h.indexOf(':') >= 0) {
            h = h.substring(0, h.indexOf(':'));
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static boolean isWildcard(String host) {
        String h = hostName(host);
        return h.isEmpty() || h.equals("0.0.0.0") || h.equals("::") || h.equals("0:0:0:0:0:0:0:0");
    }

    /** {@code localhost}, 127.0.0.0/8 or ::1, decided from the text alone. */
    private static boolean isLoopback(String host) {
        String h = hostName(host);
        if (h.equals("localhost")) {
            return true;
        }
        byte[] address = AddressRange.literal(h);
        return address != null && (AddressRange.parse("127.0.0.0/8").contains(address) || AddressRange.parse("::1").contains(address));
    }
}
