package io.rgrid.orchestrator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.rgrid.model.Json;
import io.rgrid.model.agent.AgentApi;
import io.rgrid.model.agent.AssignmentStatus;

import java.io.IOException;

/**
 * What an agent's HTTP answer means ({@link AgentApi}), apart from sending it: pure functions of
 * the status code and body, so the rules are tested on their own ({@code AgentAnswersTest}) and
 * the agent mode and the Ray mode read answers alike.
 */
public final class AgentAnswers {

    /** The status the client passes when no answer came (unreachable, timed out, bad address). */
    public static final int NO_ANSWER = -1;

    private AgentAnswers() {
    }

    /** The answer to {@code POST .../cancel}. */
    public enum Cancel {
        /** 2xx: the attempt ends CANCELLED and the agent reports it. */
        ACCEPTED,
        /** 404: the agent holds no attempt of that execution. */
        NOT_HELD,
        /** Any other status: the agent answered but did not take the cancel. */
        REFUSED,
        /** No answer within the bound. */
        NO_ANSWER
    }

    /** The answer to {@code GET /v1/assignments/{id}?attempt=N}. */
    public enum Attempt {
        /** 200 with any state but {@link AssignmentStatus#FINISHED}: the agent holds it. */
        HELD,
        /** 200 with {@link AssignmentStatus#FINISHED}: it ended; its report is on its way. */
        FINISHED,
        /** 404: the agent knows no such attempt. */
        UNKNOWN,
        /** No answer, another status or an unreadable body: nothing is known. */
        NO_ANSWER
    }

    /**
     * The answer to {@code POST /v1/assignments}: 200/202 accepted; a 4xx is the agent saying it
     * did not take the attempt (full, draining, fenced, bad token or body): a refusal before start;
     * anything else (a 5xx, which may come after the agent took it, an odd 2xx or 3xx) is as
     * ambiguous as no answer, so it goes through the fence.
     */
    public static AgentClient.Outcome assignment(int status, String body) {
        if (status == 202 || status == 200) {
            return new AgentClient.Outcome.Accepted();
        }
        if (status >= 400 && status < 500) {
            return new AgentClient.Outcome.Refused(status, abbreviate(body));
        }
        return new AgentClient.Outcome.NoAnswer(status == NO_ANSWER ? body : "HTTP " + status + " " + abbreviate(body));
    }

    public static Cancel cancel(int status) {
        if (status == NO_ANSWER) {
            return Cancel.NO_ANSWER;
        }
        if (status / 100 == 2) {
            return Cancel.ACCEPTED;
        }
        return status == 404 ? Cancel.NOT_HELD : Cancel.REFUSED;
    }

    public static Attempt attempt(int status, String body) {
        if (status == 404) {
            return Attempt.UNKNOWN;
        }
        if (status != 200) {
            return Attempt.NO_ANSWER;
        }
        String state;
        try {
            JsonNode tree = Json.mapper().readTree(body == null ? "" : body);
            state = tree == null ? null : tree.path("state").asText(null);
        } catch (IOException e) {
            return Attempt.NO_ANSWER;
        }
        if (state == null) {
            return Attempt.NO_ANSWER;
        }
        return AssignmentStatus.FINISHED.equals(state) ? Attempt.FINISHED : Attempt.HELD;
    }

    /** Whether an answer to {@code GET /v1/health} comes from the agent of {@code workerId}. */
    public static boolean isAgent(int status, String body, String workerId) {
        if (status != 200 || body == null) {
            return false;
        }
        try {
            JsonNode tree = Json.mapper().readTree(body);
            return tree != null && workerId.equals(tree.path("workerId").asText(null));
        } catch (IOException e) {
            return false;
        }
    }

    /** An agent's body shortened for a log line or a failure reason. */
    public static String abbreviate(String body) {
        if (body == null) {
            return "";
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }
}
