package io.rgrid.api.auth;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** X-Forwarded-For is read only behind a trusted proxy, and then only up to the right-most untrusted hop. */
class ClientAddressTest {

    private static final List<ClientAddress.Cidr> TRUSTED = List.of("127.0.0.1/32", "::1", "10.0.0.0/8", "fd00::/8").stream()
            .map(text -> ClientAddress.Cidr.parse(text).orElseThrow()).toList();

    /** Each row: the peer, the X-Forwarded-For headers ('|' between headers, empty for none), the client. */
    @ParameterizedTest(name = "peer {0}, X-Forwarded-For [{1}] -> {2}")
    @CsvSource(delimiter = ';', value = {
            "203.0.113.7; ; 203.0.113.7",                                      // direct, no header
            "203.0.113.7; 198.51.100.1; 203.0.113.7",                          // untrusted peer: its header is ignored
            "127.0.0.1; ; 127.0.0.1",                                          // local, no proxy header
            "127.0.0.1; 198.51.100.1; 198.51.100.1",                           // nginx in front
            "127.0.0.1; 6.6.6.6, 198.51.100.1; 198.51.100.1",                  // a forged hop left of the real one is not read
            "127.0.0.1; 6.6.6.6, 198.51.100.1, 10.1.2.3; 198.51.100.1",        // two trusted proxies
            "127.0.0.1; 6.6.6.6|198.51.100.1; 198.51.100.1",                   // several headers count as one list
            "127.0.0.1; 10.1.2.3, 10.9.9.9; 10.1.2.3",                         // every hop trusted: the left-most
            "127.0.0.1; 198.51.100.1:4711; 198.51.100.1",                      // a hop with a port
            "127.0.0.1; garbage, 10.1.2.3; 10.1.2.3",                          // not an address: stop at the last trusted
            "127.0.0.1; unknown; 127.0.0.1",
            "127.0.0.1; example.com; 127.0.0.1",                               // host names are never resolved
            "::1; 2001:db8::7; 2001:db8::7",
            "::1; [2001:db8::7]:443; 2001:db8::7",
            "0:0:0:0:0:0:0:1; 2001:db8::7; 2001:db8::7",                       // the long form of ::1
            "fd00::5; 2001:db8::7, fd12::1; 2001:db8::7",
            "2001:db8::9; 2001:db8::7; 2001:db8::9",                            // untrusted IPv6 peer
            "11.0.0.1; 198.51.100.1; 11.0.0.1",                                // just outside 10.0.0.0/8
    })
    void resolve(String peer, String forwardedFor, String expected) {
        List<String> headers = forwardedFor == null ? List.of() : Arrays.asList(forwardedFor.split("\\|"));
        assertThat(ClientAddress.resolve(peer, headers, TRUSTED)).isEqualTo(expected);
    }

    /** Each row: the configured text, whether it parses, and one address it must (or must not) contain. */
    @ParameterizedTest(name = "{0}: valid={1}, contains {2}={3}")
    @CsvSource(delimiter = ';', value = {
            "127.0.0.1/32; true; 127.0.0.1; true",
            "127.0.0.1/32; true; 127.0.0.2; false",
            "127.0.0.0/8; true; 127.255.0.1; true",
            "192.168.0.0/23; true; 192.168.1.200; true",
            "192.168.0.0/23; true; 192.168.2.1; false",
            "0.0.0.0/0; true; 203.0.113.7; true",
            "10.0.0.1; true; 10.0.0.1; true",
            "::1/128; true; ::1; true",
            "::1/128; true; 127.0.0.1; false",                                 // families never match each other
            "2001:db8::/32; true; 2001:db8:ffff::1; true",
            "10.0.0.0/33; false; ; false",
            "10.0.0.0/; false; ; false",
            "10.0.0.0/-1; false; ; false",
            "localhost; false; ; false",
            "10.0.0.0/8/8; false; ; false",
    })
    void cidr(String text, boolean valid, String address, boolean contained) {
        var cidr = ClientAddress.Cidr.parse(text);
        assertThat(cidr.isPresent()).isEqualTo(valid);
        if (valid) {
            assertThat(cidr.get().contains(ClientAddress.literal(address))).isEqualTo(contained);
        }
    }

    @ParameterizedTest(name = "{0} is counted as {1}")
    @CsvSource({
            "203.0.113.7, 203.0.113.7",
            "2001:db8:1:2:3:4:5:6, 2001:db8:1:2::/64",
            "2001:db8:1:2::ffff, 2001:db8:1:2::/64",
            "::1, ::/64",
    })
    void limitKey(String address, String expected) {
        assertThat(ClientAddress.limitKey(address)).isEqualTo(expected);
    }
}
