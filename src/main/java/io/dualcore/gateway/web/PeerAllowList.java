package io.dualcore.gateway.web;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.util.Assert;

/**
 * The peers (addresses or CIDR blocks) allowed to reach a listener whose requests are trusted: the decision API's
 * {@code trusted-proxies}, the ext_authz gRPC listener's {@code allowed-peers}. An IPv4-mapped IPv6 peer
 * ({@code ::ffff:10.0.0.1}, a dual-stack socket's view of an IPv4 client) is judged as the IPv4 address it is.
 */
public final class PeerAllowList {

    private final List<IpSubnetFilterRule> rules;

    private PeerAllowList(List<IpSubnetFilterRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /**
     * @param property the property the entries come from, named in a startup error
     * @param entries addresses ({@code 127.0.0.1}, {@code ::1}) or CIDR blocks ({@code 10.0.0.0/8})
     * @throws IllegalStateException naming the property and the entry that is neither
     */
    public static PeerAllowList of(String property, List<String> entries) {
        Assert.notNull(entries, "entries cannot be null");
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String entry : entries) {
            String value = (entry != null) ? entry.trim() : "";
            try {
                int slash = value.indexOf('/');
                rules.add(
                        (slash >= 0)
                                ? new IpSubnetFilterRule(
                                        literal(value.substring(0, slash)),
                                        Integer.parseInt(value.substring(slash + 1)),
                                        IpFilterRuleType.ACCEPT)
                                : new IpSubnetFilterRule(
                                        literal(value), value.contains(":") ? 128 : 32, IpFilterRuleType.ACCEPT));
            } catch (IllegalArgumentException ex) {
                throw new IllegalStateException(property + ": '" + entry
                        + "' is not an address or CIDR block; use e.g. 10.0.0.0/8, 127.0.0.1 or ::1");
            }
        }
        return new PeerAllowList(rules);
    }

    /** Whether the list is empty (what that means is the listener's to say). */
    public boolean isEmpty() {
        return this.rules.isEmpty();
    }

    /** Whether the peer is in the list; a peer that is not an IP socket address (or unknown) never is. */
    public boolean allows(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress socket) || socket.getAddress() == null) {
            return false;
        }
        InetSocketAddress judged = socket;
        try {
            // an IPv4-mapped IPv6 address comes back as the IPv4 address it maps
            InetAddress plain = InetAddress.getByAddress(socket.getAddress().getAddress());
            if (!plain.equals(socket.getAddress())) {
                judged = new InetSocketAddress(plain, socket.getPort());
            }
        } catch (UnknownHostException ex) {
            return false;
        }
        for (IpSubnetFilterRule rule : this.rules) {
            if (rule.matches(judged)) {
                return true;
            }
        }
        return false;
    }

    /** An address literal only: never a name to resolve. */
    private static String literal(String value) {
        String bare = (value.startsWith("[") && value.endsWith("]")) ? value.substring(1, value.length() - 1) : value;
        if (bare.isEmpty()
                || !io.netty.util.NetUtil.isValidIpV4Address(bare) && !io.netty.util.NetUtil.isValidIpV6Address(bare)) {
            throw new IllegalArgumentException("not an address literal");
        }
        return bare;
    }
}
