package io.rgrid.orchestrator.provider.hetzner.api;

import java.time.Instant;
import java.util.function.Function;

/**
 * The {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset} headers of
 * one answer; null fields when absent. {@code reset} is when the budget is full again.
 */
public record RateLimitHeaders(Long limit, Long remaining, Instant reset) {

    public static RateLimitHeaders of(Function<String, String> header) {
        Long reset = number(header.apply("RateLimit-Reset"));
        return new RateLimitHeaders(number(header.apply("RateLimit-Limit")), number(header.apply("RateLimit-Remaining")),
                reset == null ? null : Instant.ofEpochSecond(reset));
    }

    private static Long number(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
