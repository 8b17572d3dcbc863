package io.rgrid.cli.output;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the time of one {@code rgrid run} went ({@code --timings}): six stages from the launch to
 * the end of the command, each with its share of the total. Four points are on this machine's
 * clock (launched, command start, the POST's answer, the {@code end} event's arrival, done) and
 * three on the API's (the execution's {@code createdAt}, and {@code startedAt}/{@code finishedAt}
 * from the {@code end} event), so only durations of one clock are subtracted: the delivery of the
 * end is what the CLI waited between its POST and the end minus what the grid spent between
 * creating the execution and the script's end. A pure function of those points.
 */
public final class StageTimings {

    /** One stage: its name, what it holds, its length (null when a point is missing). */
    public record Stage(String name, String holds, Duration length) {
    }

    /**
     * The points of one run; any may be null (e.g. no {@code startedAt} when the script never ran,
     * or no launch time outside the launcher), and the stages that need it are then unknown.
     */
    public record Points(Instant launched, Instant commandStart, Instant submitted, Instant created,
                         Instant started, Instant finished, Instant endReceived, Instant done) {
    }

    private StageTimings() {
    }

    public static List<Stage> stages(Points p) {
        List<Stage> stages = new ArrayList<>();
        stages.add(new Stage("launch -> command", "launcher, JVM start, picocli", between(p.launched(), p.commandStart())));
        stages.add(new Stage("command -> Submitted", "config, upload, S3 write, commit, answer",
                between(p.commandStart(), p.submitted())));
        stages.add(new Stage("created -> RUNNING", "outbox relay, dispatch, the agent starting the container",
                between(p.created(), p.started())));
        stages.add(new Stage("RUNNING -> finished", "the script in its container", between(p.started(), p.finished())));
        Duration waited = between(p.submitted(), p.endReceived());
        Duration grid = between(p.created(), p.finished());
        stages.add(new Stage("finished -> end here", "the report through Kafka, the API, the stream",
                waited == null || grid == null ? null : waited.minus(grid)));
        stages.add(new Stage("end -> done", "the rest of the log, outputs", between(p.endReceived(), p.done())));
        return stages;
    }

    /** The table {@code --timings} prints: one line per stage, its milliseconds and share of the total. */
    public static List<String> table(Points p) {
        List<Stage> stages = stages(p);
        Duration total = between(p.launched() != null ? p.launched() : p.commandStart(), p.done());
        List<String> lines = new ArrayList<>();
        lines.add("timings: " + (total == null ? "?" : total.toMillis() + " ms") + " from "
                + (p.launched() != null ? "launch" : "command start") + " to done (the JVM's exit follows)");
        for (Stage stage : stages) {
            String ms = stage.length() == null ? "?" : Long.toString(stage.length().toMillis());
            String share = stage.length() == null || total == null || total.isZero() ? ""
                    : String.format(Locale.ROOT, "%3.0f%%", 100.0 * stage.length().toMillis() / total.toMillis());
            lines.add(String.format(Locale.ROOT, "  %-22s %6s ms %4s  %s", stage.name(), ms, share, stage.holds()));
        }
        return lines;
    }

    /**
     * An instant from seconds since the epoch with a fraction, as bash's EPOCHREALTIME prints it
     * ({@code 1733443200.123456}, with ',' in some locales); null when absent or not such a number.
     */
    public static Instant epochSeconds(String text) {
        if (text == null || !text.matches("\\d{1,12}[.,]\\d{1,9}")) {
            return null;
        }
        String[] parts = text.split("[.,]");
        String nanos = (parts[1] + "000000000").substring(0, 9);
        return Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(nanos));
    }

    private static Duration between(Instant from, Instant to) {
        return from == null || to == null ? null : Duration.between(from, to);
    }
}
