package dev.ferry.jobs.postgres;

import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.PostgresTestDatabase;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** Shared pieces of the pipe tests: the MiniCluster and spec building. */
final class PipeTestKit {
    private PipeTestKit() {}

    static MiniClusterExtension miniCluster(int slots) {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(conf)
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(slots)
                .build());
    }

    static PipeSpec spec(String name, PostgresTestDatabase pg, ClickHouseTestDatabase ch, String tables, String settings) {
        String yaml = "name: " + name + "\n" + pg.sourceYaml() + ch.destinationYaml() + "tables: " + tables + "\n"
                + "settings: " + settings + "\n";
        return PipeSpecParser.parse(yaml, Map.of());
    }
}
