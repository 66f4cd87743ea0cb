package io.dualcore.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Addresses and CIDR blocks of the peers a trusted listener accepts. */
class PeerAllowListTests {

    private final PeerAllowList loopback = PeerAllowList.of("test.peers", List.of("127.0.0.0/8", "::1"));

    @Test
    void allowsWhenPeerInABlockThenTrueElseFalse() throws UnknownHostException {
        assertThat(this.loopback.allows(peer("127.0.0.1"))).isTrue();
        assertThat(this.loopback.allows(peer("127.3.4.5"))).isTrue();
        assertThat(this.loopback.allows(peer("::1"))).isTrue();
        assertThat(this.loopback.allows(peer("10.0.0.1"))).isFalse();
        assertThat(this.loopback.allows(peer("2001:db8::1"))).isFalse();
    }

    @Test
    void allowsWhenIpv4MappedIpv6PeerThenJudgedAsItsIpv4Address() throws UnknownHostException {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        byte[] outside = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, 1};

        assertThat(this.loopback.allows(new InetSocketAddress(java.net.Inet6Address.getByAddress(null, mapped, -1), 1)))
                .isTrue();
        assertThat(this.loopback.allows(
                        new InetSocketAddress(java.net.Inet6Address.getByAddress(null, outside, -1), 1)))
                .isFalse();
    }

    @Test
    void allowsWhenPeerUnknownOrNotAnIpSocketThenFalse() {
        assertThat(this.loopback.allows(null)).isFalse();
        assertThat(this.loopback.allows(InetSocketAddress.createUnresolved("localhost", 1)))
                .isFalse();
        assertThat(this.loopback.allows(new java.net.SocketAddress() {})).isFalse();
    }

    @Test
    void allowsWhenSingleAddressesThenExactMatchOnly() throws UnknownHostException {
        PeerAllowList single = PeerAllowList.of("test.peers", List.of(" 192.0.2.7 ", "[2001:db8::7]"));

        assertThat(single.allows(peer("192.0.2.7"))).isTrue();
        assertThat(single.allows(peer("192.0.2.8"))).isFalse();
        assertThat(single.allows(peer("2001:db8::7"))).isTrue();
    }

    @Test
    void ofWhenEntryIsANameOrMalformedThenStartupErrorNamingThePropertyAndEntry() {
        for (String bad : List.of("localhost", "10.0.0.0/33", "10.0.0/8", "", "10.0.0.1/x")) {
            assertThatIllegalStateException()
                    .as(bad)
                    .isThrownBy(() -> PeerAllowList.of("test.peers", List.of(bad)))
                    .withMessageContaining("test.peers")
                    .withMessageContaining("'" + bad + "'");
        }
    }

    private static InetSocketAddress peer(String literal) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(literal), 40000);
    }
}
