package dev.ferry.jobs.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ferry.jobs.PipeSource.Replication;
import dev.ferry.jobs.control.FlinkRestClient.JobHealth;
import dev.ferry.jobs.control.PipeStatus;
import dev.ferry.state.lifecycle.PipeState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped Prometheus rules alert on metrics the server serves, one rule per alert of its own. */
class PrometheusRulesTest {

    @Test
    void rulesUseTheServersMetrics() throws Exception {
        Path rules = Path.of(System.getProperty("ferry.project.root", "..")).resolve("deploy/prometheus/ferry-alerts.yaml");
        JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(rules.toFile());
        String metrics = PipeMetrics.render(Map.of("shop", status()));
        int alerts = 0;
        for (JsonNode rule : doc.path("groups").get(0).path("rules")) {
            Matcher m = Pattern.compile("ferry_[a-z_]+").matcher(rule.path("expr").asText());
            assertThat(m.find()).as(rule.path("alert").asText()).isTrue();
            assertThat(metrics).as("metric of " + rule.path("alert").asText()).contains(m.group() + "{pipe=\"shop\"}");
            alerts++;
        }
        assertThat(alerts).isEqualTo(PipeAlert.values().length);
    }

    @Test
    void metricsShowEveryPipe() {
        String metrics = PipeMetrics.render(Map.of("shop", status()));
        assertThat(metrics).contains("ferry_pipe_state{pipe=\"shop\"} 3\n", "ferry_pipe_lag_seconds{pipe=\"shop\"} 1.5\n",
                "ferry_pipe_slot_retained_bytes{pipe=\"shop\"} 1048576\n", "ferry_pipe_retrying{pipe=\"shop\"} 1\n");
    }

    private static PipeStatus status() {
        return new PipeStatus("shop", PipeState.RUNNING, Instant.EPOCH, "", "", "j", "RESTARTING", "",
                Optional.of(new JobHealth(2, 1, Instant.EPOCH, "ClickHouse unreachable")), List.of(),
                Optional.of(new Replication("ferry_shop", true, 2, 1, 1, 1.5, 1 << 20, "reserved")), List.of(), List.of());
    }
}
