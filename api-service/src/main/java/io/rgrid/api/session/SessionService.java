package io.rgrid.api.session;

import io.rgrid.api.auth.Principal;
import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.keys.Authenticator;
import io.rgrid.api.keys.KeyHasher;
import io.rgrid.platform.db.Transactions;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Optional;

/**
 * Browser sessions of the dashboard. A browser cannot put an API key on an EventSource or a
 * download link, so the login exchanges the key for a random session id in an HttpOnly,
 * SameSite=Strict cookie that the API accepts in place of the Authorization header. Requests that
 * change something must also carry the session's CSRF token in {@link #CSRF_HEADER}: a header no
 * other site can make a browser send.
 *
 * <p>A session ends {@code rgrid.dashboard.session-ttl} after the login, or earlier once unused for
 * {@code rgrid.dashboard.session-idle-timeout}; an ended session is refused like an unknown one and
 * its row deleted at that request (the rest go in {@link io.rgrid.api.expiry.ExpiryCleanup}).
 */
@Singleton
public class SessionService {

    public static final String COOKIE = "rgrid_session";
    public static final String CSRF_HEADER = "X-RGrid-CSRF";
    /** The cookie goes only to the API, never to the static pages. */
    public static final String COOKIE_PATH = "/api/v1";
    public static final String CONTEXT_KEY = "rgrid.session";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Longest a use of a session goes unrecorded, so that not every request writes its row. */
    static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

    /** An open session: who it speaks for and the token its mutations must carry. */
    public record Session(String idHash, Principal principal, String csrfToken, Instant expiresAt) {
    }

    /** A new login: {@code cookieValue} goes into the Set-Cookie header and nowhere else. */
    public record Opened(String cookieValue, Session session) {
    }

    private final Transactions tx;
    private final SessionRepository sessions;
    private final Authenticator authenticator;
    private final RgridConfig config;
    private final KeyHasher hasher;

    public SessionService(Transactions tx, SessionRepository sessions, Authenticator authenticator, RgridConfig config,
                          KeyHasher hasher) {
        this.tx = tx;
        this.sessions = sessions;
        this.authenticator = authenticator;
        this.config = config;
        this.hasher = hasher;
    }

    /** Opens a session for a valid key; empty when the key is unknown or revoked. */
    public Optional<Opened> login(String key) {
        if (key == null || key.isBlank()) {
            return Optional.empty();
        }
        Optional<Principal> principal = authenticator.admin(key);
        if (principal.isEmpty()) {
            principal = authenticator.project(key);
        }
        if (principal.isEmpty()) {
            return Optional.empty();
        }
        String cookie = random();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        SessionRepository.SessionRow row = new SessionRepository.SessionRow(principal.get().projectId(), principal.get().admin(),
                hasher.hash(key), random(), now, now.plus(config.dashboard().sessionTtl()), now);
        String idHash = hasher.hash(cookie);
        tx.inTransaction(c -> {
            sessions.insert(c, idHash, row);
            return null;
        });
        return Optional.of(new Opened(cookie, new Session(idHash, principal.get(), row.csrfToken(), row.expiresAt())));
    }

    /**
     * The session a cookie names; empty when unknown, expired (absolute or idle: the row is deleted),
     * its key was revoked, or (admin) the admin key changed since. Records the use when the last
     * recorded one is older than {@link #touchInterval()}. Reads the database: call it off the event loop.
     */
    public Optional<Session> find(String cookieValue) {
        if (cookieValue == null || cookieValue.isBlank() || cookieValue.length() > 200) {
            return Optional.empty();
        }
        String idHash = hasher.hash(cookieValue);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Optional<SessionRepository.Found> found = tx.read(c -> sessions.find(c, idHash));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        SessionRepository.SessionRow r = found.get().row();
        if (expired(r, now)) {
            tx.inTransaction(c -> {
                sessions.delete(c, idHash);
                return null;
            });
            return Optional.empty();
        }
        if (!found.get().keyActive()) {
            return Optional.empty();
        }
        if (r.admin()) {
            String adminKey = config.api().secretKey().orElse("");
            if (adminKey.isBlank() || !MessageDigest.isEqual(hasher.hash(adminKey).getBytes(), r.keyHash().getBytes())) {
                return Optional.empty();
            }
        }
        if (!r.lastUsedAt().plus(touchInterval()).isAfter(now)) {
            tx.inTransaction(c -> {
                sessions.touch(c, idHash, now);
                return null;
            });
        }
        return Optional.of(new Session(idHash, new Principal(r.projectId(), r.admin()), r.csrfToken(), r.expiresAt()));
    }

    /** Past its absolute end, or unused for longer than the idle timeout. */
    private boolean expired(SessionRepository.SessionRow r, Instant now) {
        return !r.expiresAt().isAfter(now) || !r.lastUsedAt().plus(config.dashboard().sessionIdleTimeout()).isAfter(now);
    }

    /**
     * How stale the recorded last use may get: a minute, or half the idle timeout when that is
     * shorter, so a session used steadily never idles out between two recorded uses.
     */
    Duration touchInterval() {
        Duration half = config.dashboard().sessionIdleTimeout().dividedBy(2);
        return half.compareTo(TOUCH_INTERVAL) < 0 ? half : TOUCH_INTERVAL;
    }

    public void logout(Session session) {
        tx.inTransaction(c -> {
            sessions.delete(c, session.idHash());
            return null;
        });
    }

    /** Whether {@code presented} is this session's CSRF token (compared in constant time). */
    public static boolean csrfMatches(Session session, String presented) {
        return presented != null && MessageDigest.isEqual(session.csrfToken().getBytes(), presented.getBytes());
    }

    /** The session the auth filter attached to the request, if it came with the cookie. */
    public static Optional<Session> of(RoutingContext context) {
        return Optional.ofNullable(context.get(CONTEXT_KEY));
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
