package io.semdex.query;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IP address or a CIDR range of them ({@code 10.0.0.0/8}, {@code fd00::/8}, {@code 192.168.1.5}), written as literals. */
record AddressRange(byte[] network, int prefixBits) {

    /**
     * @throws IllegalArgumentException naming {@code text} when it is not an address literal with an optional {@code /bits}
     */
    static AddressRange parse(String text) {
        String hint = "a trusted proxy is an IP address or a CIDR range such as 10.0.0.0/8 or fd00::/8; got '" + text + "'";
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException(hint);
        }
        int bits = bytes.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(hint);
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException(hint);
            }
        }
        return new AddressRange(bytes, bits);
    }

    /** The address of an IP literal (never a name lookup), or null when {@code text} is not one. */
    static byte[] literal(String text) {
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (!(t.contains(":") || t.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            return null;
        }
        try {
            return InetAddress.getByName(t).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    boolean contains(byte[] address) {
        if (address == null || address.length != network.length) {
            return false;
        }
        int full = prefixBits / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixBits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }
}
