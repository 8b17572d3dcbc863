package io.rgrid.api.cluster;

import java.util.List;
import java.util.regex.Pattern;

/**
 * What a project key sees of a worker's (or a wait's) {@code detail}: the orchestrator writes
 * there what an operator needs ("SSH to 10.0.0.7:22 failed", "key /opt/rgrid/infra/hetzner_worker.key
 * unreadable", "first heartbeat from http://10.0.0.3:8002"), which tells a tenant the private
 * network's layout and the control plane's files. URLs, IP addresses (with port or prefix),
 * {@code host:port}, dotted host names and absolute paths become placeholders; the rest of the
 * sentence stays, so the tenant still learns what happened. The admin key sees the original.
 */
public final class DetailRedaction {

    private record Rule(Pattern pattern, String replacement) {
    }

    /** In order: a URL contains a host and a path, which the later rules would cut in pieces. */
    private static final List<Rule> RULES = List.of(
            new Rule(Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://\\S+"), "<url>"),
            new Rule(Pattern.compile("\\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*](?::\\d{1,5})?"), "<address>"),
            new Rule(Pattern.compile("(?<![\\w:.])(?:[0-9A-Fa-f]{1,4}:){3,7}[0-9A-Fa-f]{1,4}(?![\\w:])"
                    + "|(?<![\\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{1,4})*::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4})*)?(?![\\w:])"),
                    "<address>"),
            new Rule(Pattern.compile("(?<![\\w.])\\d{1,3}(?:\\.\\d{1,3}){3}(?::\\d{1,5}|/\\d{1,2})?(?![\\w.]\\w)"), "<address>"),
            new Rule(Pattern.compile("(?<![\\w.-])[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,63}(?::\\d{1,5})?(?!\\.?[\\w-])"), "<host>"),
            new Rule(Pattern.compile("(?<![\\w.-])[a-z][a-z0-9-]*:\\d{2,5}\\b"), "<host>"),
            new Rule(Pattern.compile("(?<![\\w.~/-])~?/(?:[\\w.@+-]+/?)+"), "<path>"));

    private DetailRedaction() {
    }

    /** The detail with hosts, addresses and paths replaced; null stays null. */
    public static String redact(String detail) {
        if (detail == null) {
            return null;
        }
        String out = detail;
        for (Rule rule : RULES) {
            out = rule.pattern().matcher(out).replaceAll(rule.replacement());
        }
        return out;
    }
}
