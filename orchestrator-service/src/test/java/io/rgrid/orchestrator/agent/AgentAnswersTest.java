package io.rgrid.orchestrator.agent;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.ConnectException;

import static org.assertj.core.api.Assertions.assertThat;

/** What each agent answer means, as tables: status (and body) in, meaning out. -1 is no answer. */
class AgentAnswersTest {

    @ParameterizedTest(name = "[{index}] {0}: HTTP {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                          | status | meaning
            accepted                        | 202    | Accepted
            accepted by an older agent      | 200    | Accepted
            draining or no free slot        | 409    | Refused
            bad token                       | 401    | Refused
            malformed assignment            | 400    | Refused
            other 2xx: ambiguous, fenced    | 204    | NoAnswer
            agent failed: maybe after it took it | 500 | NoAnswer
            proxy in between failed         | 502    | NoAnswer
            no answer                       | -1     | NoAnswer
            """)
    void assignment(String name, int status, String meaning) {
        assertThat(AgentAnswers.assignment(status, "body").getClass().getSimpleName()).isEqualTo(meaning);
    }

    @ParameterizedTest(name = "[{index}] {0}: HTTP {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                          | status | answer
            accepted                        | 202    | ACCEPTED
            any 2xx                         | 200    | ACCEPTED
            holds no such attempt           | 404    | NOT_HELD
            bad token                       | 401    | REFUSED
            conflict                        | 409    | REFUSED
            agent failed                    | 503    | REFUSED
            no answer                       | -1     | NO_ANSWER
            """)
    void cancel(String name, int status, AgentAnswers.Cancel answer) {
        assertThat(AgentAnswers.cancel(status)).isEqualTo(answer);
    }

    @ParameterizedTest(name = "[{index}] {0}: HTTP {1} {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            # case                          | status | body                               | answer
            running                         | 200    | {"state":"RUNNING","attempt":2}    | HELD
            finished                        | 200    | {"state":"FINISHED","attempt":2}   | FINISHED
            a state added later is held     | 200    | {"state":"UPLOADING"}              | HELD
            no state in the body            | 200    | {"attempt":2}                      | NO_ANSWER
            unreadable body                 | 200    | <html>                             | NO_ANSWER
            empty body                      | 200    | null                               | NO_ANSWER
            knows no such attempt           | 404    | null                               | UNKNOWN
            bad token                       | 401    | {"state":"FINISHED"}               | NO_ANSWER
            agent failed                    | 500    | null                               | NO_ANSWER
            no answer                       | -1     | ConnectException          | NO_ANSWER
            """)
    void attempt(String name, int status, String body, AgentAnswers.Attempt answer) {
        assertThat(AgentAnswers.attempt(status, body)).isEqualTo(answer);
    }

    @ParameterizedTest(name = "[{index}] {0}: HTTP {1} {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            # case                          | status | body                                | alive
            the agent of this worker        | 200    | {"workerId":"w-1","status":"UP"}    | true
            draining counts as alive        | 200    | {"workerId":"w-1","status":"DRAINING"} | true
            another agent on the address    | 200    | {"workerId":"w-2","status":"UP"}    | false
            no worker id                    | 200    | {"status":"UP"}                     | false
            unreadable body                 | 200    | <html>                              | false
            empty body                      | 200    | null                                | false
            bad token                       | 401    | {"workerId":"w-1"}                  | false
            agent failed                    | 500    | null                                | false
            no answer                       | -1     | ConnectException           | false
            """)
    void healthProbe(String name, int status, String body, boolean alive) {
        assertThat(AgentAnswers.isAgent(status, body, "w-1")).isEqualTo(alive);
    }

    @ParameterizedTest(name = "[{index}] {0} chars -> {1}")
    @CsvSource({"0, 0", "300, 300", "301, 301", "5000, 301"})
    void abbreviatesLongBodies(int length, int expected) {
        assertThat(AgentAnswers.abbreviate("x".repeat(length))).hasSize(expected);
    }
}
