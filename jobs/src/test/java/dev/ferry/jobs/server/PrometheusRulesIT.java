package dev.ferry.jobs.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shipped alerting rules in Prometheus' own rule engine: {@code promtool check rules}, and the
 * unit tests of {@code ferry-alerts.test.yaml} (each alert fires on its condition, not before its
 * {@code for}, and clears). FerryServerIT has a live Prometheus fire one on a real server.
 */
class PrometheusRulesIT {

    @Test
    void rulesPassPromtool() throws Exception {
        String promtool = PrometheusProcess.binaries().get(1);
        Path rules = PrometheusProcess.rules();
        assertThat(run(promtool, "check", "rules", rules.toString())).contains("SUCCESS: 4 rules found");
        assertThat(run(promtool, "test", "rules", rules.resolveSibling("ferry-alerts.test.yaml").toString()))
                .contains("SUCCESS");
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
        return out;
    }
}
