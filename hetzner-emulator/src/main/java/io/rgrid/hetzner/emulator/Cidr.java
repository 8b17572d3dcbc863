package io.rgrid.hetzner.emulator;

/** An IPv4 CIDR range, enough to hand out private addresses from a network's subnets. */
record Cidr(long base, int prefix) {

    static Cidr parse(String text) {
        if (text == null) {
            return null;
        }
        String[] parts = text.split("/");
        if (parts.length != 2) {
            return null;
        }
        String[] octets = parts[0].split("\\.");
        if (octets.length != 4) {
            return null;
        }
        try {
            long ip = 0;
            for (String o : octets) {
                int v = Integer.parseInt(o);
                if (v < 0 || v > 255) {
                    return null;
                }
                ip = (ip << 8) | v;
            }
            int prefix = Integer.parseInt(parts[1]);
            if (prefix < 0 || prefix > 32) {
                return null;
            }
            long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
            return new Cidr(ip & mask, prefix);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    boolean isPrivate() {
        return within(parse("10.0.0.0/8")) || within(parse("172.16.0.0/12")) || within(parse("192.168.0.0/16"));
    }

    private boolean within(Cidr outer) {
        return outer.contains(this);
    }

    boolean contains(Cidr inner) {
        if (inner.prefix < prefix) {
            return false;
        }
        long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        return (inner.base & mask) == base;
    }

    Cidr firstSlash24() {
        return new Cidr(base, Math.max(prefix, 24));
    }

    /** The n-th address of the range ({@code host(1)} is the gateway). */
    String host(int n) {
        long ip = base + n;
        return ((ip >> 24) & 255) + "." + ((ip >> 16) & 255) + "." + ((ip >> 8) & 255) + "." + (ip & 255);
    }

    @Override
    public String toString() {
        return host(0) + "/" + prefix;
    }
}
