package dev.ferry.bench;

import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * What Flink CDC's own Postgres source delivers from a slot's backlog with nothing after it: the
 * ceiling of a pipe built on it. Streams from an existing slot and publication (pgoutput, from the
 * slot's committed position), counts the data changes in a sink that keeps nothing, and once it has
 * seen {@code expected} of them prints the time between the first and the last and stops the JVM.
 *
 * <p>Arguments: host port database user password slot publication schema.table expected
 */
public final class FlinkCdcCeiling {

    private FlinkCdcCeiling() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 9) {
            System.err.println("usage: FlinkCdcCeiling host port database user password slot publication schema.table expected");
            System.exit(2);
        }
        Properties debezium = new Properties();
        debezium.setProperty("publication.name", args[6]);
        debezium.setProperty("publication.autocreate.mode", "disabled");
        debezium.setProperty("slot.drop.on.stop", "false");
        debezium.setProperty("decimal.handling.mode", "string");
        String table = args[7];
        PostgresIncrementalSource<Long> source = PostgresIncrementalSource.<Long>builder()
                .hostname(args[0])
                .port(Integer.parseInt(args[1]))
                .database(args[2])
                .username(args[3])
                .password(args[4])
                .slotName(args[5])
                .decodingPluginName("pgoutput")
                .schemaList(table.substring(0, table.indexOf('.')))
                .tableList(table)
                .startupOptions(StartupOptions.committed())
                .debeziumProperties(debezium)
                .deserializer(new ChangeCount())
                .build();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "flink cdc postgres").addSink(new Drained(Long.parseLong(args[8])));
        env.execute("flink cdc ceiling");
    }

    /** One per data change (heartbeats and schema events carry no row): decoding happens either way. */
    private static final class ChangeCount implements DebeziumDeserializationSchema<Long> {
        @Override
        public void deserialize(SourceRecord record, Collector<Long> out) {
            if (record.value() instanceof Struct value && value.schema().field("op") != null) {
                out.collect(1L);
            }
        }

        @Override
        public TypeInformation<Long> getProducedType() {
            return Types.LONG;
        }
    }

    /** Counts changes; at {@code expected} prints the spread of their arrival and ends the process. */
    private static final class Drained implements SinkFunction<Long> {
        private final long expected;
        private long seen;
        private long firstNanos;

        Drained(long expected) {
            this.expected = expected;
        }

        @Override
        public void invoke(Long change, Context context) {
            if (seen++ == 0) {
                firstNanos = System.nanoTime();
            }
            if (seen == expected) {
                double seconds = (System.nanoTime() - firstNanos) / 1e9;
                System.out.printf("drained %d changes in %.3f s%n", seen, seconds);
                System.out.flush();
                Runtime.getRuntime().halt(0); // the source never ends by itself
            }
        }
    }
}
