package io.rgrid.api.auth;

import io.netty.util.NetUtil;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Which address a request comes from, for counting failed authentications. Pure.
 *
 * <p>{@code X-Forwarded-For} is believed only when the direct peer is a trusted proxy, and then
 * only as far as the hops are trusted proxies too: the client is the right-most hop that is not
 * one ({@link #resolve}). Anything a client writes into the header itself sits left of that and is
 * never read. Addresses are compared as literals; nothing here resolves a host name.
 */
public final class ClientAddress {

    private ClientAddress() {
    }

    /** An address range: the first {@code prefix} bits of {@code network}. */
    public record Cidr(byte[] network, int prefix) {

        /** {@code 10.0.0.0/8}, {@code ::1/128}, or a bare address (its full length); empty when malformed. */
        public static Optional<Cidr> parse(String text) {
            String trimmed = text.strip();
            int slash = trimmed.indexOf('/');
            byte[] network = NetUtil.createByteArrayFromIpAddressString(slash < 0 ? trimmed : trimmed.substring(0, slash));
            if (network == null) {
                return Optional.empty();
            }
            int bits = network.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String digits = trimmed.substring(slash + 1);
                if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(Character::isDigit)) {
                    return Optional.empty();
                }
                prefix = Integer.parseInt(digits);
            }
            return prefix > bits ? Optional.empty() : Optional.of(new Cidr(network, prefix));
        }

        public boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = prefix / 8;
            if (!Arrays.equals(address, 0, whole, network, 0, whole)) {
                return false;
            }
            int rest = prefix % 8;
            int mask = (0xff << (8 - rest)) & 0xff;
            return rest == 0 || (address[whole] & mask) == (network[whole] & mask);
        }
    }

    /**
     * The client address of a request.
     *
     * @param peer         the address of the direct peer (the TCP connection)
     * @param forwardedFor every {@code X-Forwarded-For} header value, in order (empty when none)
     * @param trusted      the trusted proxies
     * @return the peer when it is not trusted; else the right-most hop that is not trusted; the
     *         left-most hop when all are; the last trusted hop when the next one is not an address
     */
    public static String resolve(String peer, List<String> forwardedFor, List<Cidr> trusted) {
        byte[] current = literal(peer);
        if (current == null || !trusted(current, trusted)) {
            return current == null ? peer : NetUtil.bytesToIpAddress(current);
        }
        List<String> hops = hops(forwardedFor);
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] hop = literal(hops.get(i));
            if (hop == null) {
                break;
            }
            current = hop;
            if (!trusted(hop, trusted)) {
                break;
            }
        }
        return NetUtil.bytesToIpAddress(current);
    }

    /**
     * What failures are counted by: an IPv4 address itself, an IPv6 address's /64 (one host
     * usually holds a whole /64, so counting single addresses would count nothing).
     */
    public static String limitKey(String address) {
        byte[] bytes = literal(address);
        if (bytes == null || bytes.length == 4) {
            return address;
        }
        byte[] network = Arrays.copyOf(bytes, 16);
        Arrays.fill(network, 8, 16, (byte) 0);
        return NetUtil.bytesToIpAddress(network) + "/64";
    }

    /** The address of a hop as written by a proxy: {@code 1.2.3.4}, {@code 1.2.3.4:5678}, {@code [::1]:80} or {@code ::1}; null otherwise. */
    static byte[] literal(String hop) {
        if (hop == null) {
            return null;
        }
        String text = hop.strip();
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            text = end < 0 ? text : text.substring(1, end);
        } else if (text.indexOf(':') > 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            text = text.substring(0, text.indexOf(':')); // IPv4 with a port
        }
        return NetUtil.createByteArrayFromIpAddressString(text);
    }

    private static boolean trusted(byte[] address, List<Cidr> trusted) {
        return trusted.stream().anyMatch(cidr -> cidr.contains(address));
    }

    private static List<String> hops(List<String> headers) {
        List<String> hops = new ArrayList<>();
        for (String header : headers) {
            for (String hop : header.split(",")) {
                if (!hop.isBlank()) {
                    hops.add(hop.strip());
                }
            }
        }
        return hops;
    }
}
