package io.semdex.app;

import io.semdex.query.AccessPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The access flags of every command that runs the query service ({@code demo}, {@code serve}),
 * turned into its {@link AccessPolicy}. Secure by default: bound to anything but loopback, a service
 * that accepts writes refuses to start without an API key unless told {@code --allow-anonymous-writes}.
 */
final class AccessOptions {

    @Option(names = "--api-key-env", paramLabel = "NAME", defaultValue = "SEMDEX_API_KEY",
            description = "Environment variable holding the API key; when it is set, writes need the key (default: ${DEFAULT-VALUE}).")
    String apiKeyEnv;

    @Option(names = "--key-for-reads", description = "Searches, status and metrics need the API key too (not only writes).")
    boolean keyForReads;

    @Option(names = "--allow-anonymous-writes",
            description = "Accept writes without an API key on an address other machines can reach (default: refused; loopback needs no key).")
    boolean allowAnonymousWrites;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN",
            description = "A browser origin allowed to call the API, e.g. https://kb.example.com; repeat for more (default: none).")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--allowed-host", paramLabel = "NAME",
            description = "A name clients reach the service by, besides the address it binds to (e.g. kb.example.com behind a proxy);"
                    + " repeat for more. On loopback, and whenever one is given, a request naming another Host gets 403.")
    List<String> allowedHosts = new ArrayList<>();

    @Option(names = "--trusted-proxy", paramLabel = "ADDRESS",
            description = "A reverse proxy in front of the service (an IP address or CIDR range): for its requests the rate limit"
                    + " counts the client address it appends to X-Forwarded-For; repeat for more (default: none, every request"
                    + " counts against the address it came from).")
    List<String> trustedProxies = new ArrayList<>();

    @Option(names = "--rate-limit", paramLabel = "N", defaultValue = "0",
            description = "Requests per second per client address, in bursts of 2N; 429 above (default: ${DEFAULT-VALUE}, no limit).")
    double rateLimit;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "" + AccessPolicy.DEFAULT_MAX_BODY_BYTES,
            description = "Largest request body; 413 above (default: ${DEFAULT-VALUE}).")
    int maxBody;

    /**
     * The policy from the flags and the key's environment variable.
     *
     * @param host the address the service binds to
     * @param writes whether the service accepts writes ({@code POST /api/documents})
     * @throws IllegalArgumentException when a key is needed and the environment has none
     */
    AccessPolicy policy(String host, boolean writes) {
        String key = System.getenv(apiKeyEnv);
        boolean hasKey = key != null && !key.isEmpty();
        if (keyForReads && !hasKey) {
            throw new IllegalArgumentException("--key-for-reads needs an API key in the environment variable " + apiKeyEnv);
        }
        if (writes && !hasKey && !allowAnonymousWrites && !isLoopback(host)) {
            throw new IllegalArgumentException("bound to " + host + ", anyone who reaches the port could write documents: set an API key"
                    + " (" + AccessPolicy.MIN_KEY_LENGTH + "+ characters) in the environment variable " + apiKeyEnv
                    + " (or name another with --api-key-env), or pass --allow-anonymous-writes");
        }
        return AccessPolicy.DEFAULT.withApiKey(key, keyForReads).withCorsOrigins(corsOrigins)
                .withRateLimit(rateLimit, (int) Math.max(1, Math.ceil(rateLimit * 2))).withMaxBodyBytes(maxBody)
                .withAllowedHosts(allowedHosts).withTrustedProxies(trustedProxies);
    }

    /**
     * Whether only this machine can reach {@code host}: {@code localhost}, 127.0.0.0/8 or ::1. Decided from
     * the text alone (no name lookup); any other name counts as reachable from elsewhere.
     */
    static boolean isLoopback(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equals("localhost")) {
            return true;
        }
        if (h.contains(":") || h.matches("\\d{1,3}(\\.\\d{1,3}){3}")) { // an address literal: no name lookup
            try {
                return InetAddress.getByName(h).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
