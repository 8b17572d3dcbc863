package io.rgrid.api.auth;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.error.ApiException;
import io.rgrid.model.api.ErrorCode;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Limits failed authentication (the dashboard login and {@code Authorization: Bearer}) per client
 * address and per presented key ({@code rgrid.api.auth-failures.*}). A caller whose address or key
 * has used up its failures is refused with 429 TOO_MANY_AUTH_FAILURES before its key is looked at;
 * a key that authenticated recently passes its address's limit, so somebody else's flood from the
 * same address does not lock it out. Successful requests cost nothing.
 */
@Singleton
public class AuthThrottle {

    private static final String FORWARDED_FOR = "X-Forwarded-For";

    private final TokenBuckets byAddress;
    private final TokenBuckets byKey;
    private final RecentlyVerified verified;
    private final List<ClientAddress.Cidr> trustedProxies;

    public AuthThrottle(RgridConfig config) {
        RgridConfig.AuthFailures limits = config.api().authFailures();
        int max = limits.maxTracked();
        this.byAddress = new TokenBuckets(limits.addressBurst(), refill(limits.addressPerMinute()), max, System::nanoTime);
        this.byKey = new TokenBuckets(limits.keyBurst(), refill(limits.keyPerMinute()), max, System::nanoTime);
        this.verified = new RecentlyVerified(limits.verifiedFor().toNanos(), max, System::nanoTime);
        // ConfigCheck refuses to start with an entry that does not parse.
        this.trustedProxies = config.api().trustedProxies().stream().map(ClientAddress.Cidr::parse)
                .flatMap(Optional::stream).toList();
    }

    /** The client address failures of this request are counted by. */
    public String address(RoutingContext context) {
        var peer = context.request().remoteAddress();
        String peerAddress = peer == null || peer.hostAddress() == null ? "" : peer.hostAddress(); // null: a unix socket
        return ClientAddress.limitKey(ClientAddress.resolve(peerAddress, context.request().headers().getAll(FORWARDED_FOR),
                trustedProxies));
    }

    /**
     * The refusal for a caller at {@code address} presenting the key with hash {@code keyHash}, or
     * empty when it may try.
     */
    public Optional<ApiException> refusal(String address, String keyHash) {
        long keyWait = byKey.waitNanos(keyHash);
        long addressWait = verified.contains(keyHash) ? 0 : byAddress.waitNanos(address);
        long wait = Math.max(keyWait, addressWait);
        if (wait == 0) {
            return Optional.empty();
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + TimeUnit.SECONDS.toNanos(1) - 1));
        String who = keyWait >= addressWait ? "with this key" : "from this address";
        return Optional.of(ApiException.retryLater(ErrorCode.TOO_MANY_AUTH_FAILURES, "too many failed authentications "
                + who + "; try again in " + seconds + " s", seconds));
    }

    /** Counts a failed login or bearer authentication. */
    public void failed(String address, String keyHash) {
        byAddress.take(address);
        byKey.take(keyHash);
    }

    /** Remembers a key that authenticated, so that its address's limit does not apply to it. */
    public void succeeded(String keyHash) {
        verified.verified(keyHash);
    }

    private static long refill(int perMinute) {
        return Duration.ofMinutes(1).toNanos() / Math.max(1, perMinute);
    }
}
