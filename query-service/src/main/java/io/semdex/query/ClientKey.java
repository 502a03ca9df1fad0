package io.semdex.query;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who a request counts against for the rate limit. Directly connected, the peer address; behind a
 * trusted reverse proxy, the address that proxy appended to {@code X-Forwarded-For} (the rightmost
 * entry that is not itself a trusted proxy: entries further left are whatever the client wrote).
 * An IPv6 client counts by its /64 network, since one host commonly holds a whole /64.
 */
final class ClientKey {

    private final List<AddressRange> trustedProxies;

    ClientKey(List<String> trustedProxies) {
        this.trustedProxies = trustedProxies.stream().map(AddressRange::parse).toList();
    }

    /**
     * @param peer the address the connection comes from
     * @param forwardedFor the {@code X-Forwarded-For} header lines, in order (empty when there are none)
     */
    String of(String peer, List<String> forwardedFor) {
        String client = peer;
        if (trusted(peer) && !forwardedFor.isEmpty()) {
            List<String> hops = new ArrayList<>();
            for (String line : forwardedFor) {
                for (String hop : line.split(",")) {
                    if (!hop.isBlank()) {
                        hops.add(hop.strip());
                    }
                }
            }
            for (int i = hops.size() - 1; i >= 0; i--) {
                client = hops.get(i);
                if (!trusted(client)) {
                    break;
                }
            }
        }
        return normalized(client);
    }

    private boolean trusted(String address) {
        byte[] bytes = AddressRange.literal(address);
        return bytes != null && trustedProxies.stream().anyMatch(range -> range.contains(bytes));
    }

    /** An IPv4 address as is; an IPv6 one as its /64 network; anything else (not an address) as written. */
    private static String normalized(String address) {
        byte[] bytes = AddressRange.literal(address);
        if (bytes == null || bytes.length == 4) {
            return bytes == null ? address : toString(bytes);
        }
        byte[] network = new byte[16];
        System.arraycopy(bytes, 0, network, 0, 8);
        return toString(network) + "/64";
    }

    private static String toString(byte[] address) {
        try {
            InetAddress inet = InetAddress.getByAddress(address);
            return inet instanceof Inet6Address ? inet.getHostAddress().replaceAll("(:0)+$", "::").replace(":::", "::") : inet.getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
