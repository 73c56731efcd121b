package dev.ferry.operators.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.postgres.PostgresConnections;
import dev.ferry.operators.postgres.setup.PostgresCatalog.SourceTable;
import dev.ferry.operators.postgres.setup.PostgresCatalog;
import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.spec.PipeSpec;
import dev.ferry.state.spec.PipeSpecParser;
import dev.ferry.state.spec.TableSpec;
import dev.ferry.testing.PostgresTestDatabase;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load's row reader decodes values from the bytes the driver received; every value must equal
 * what the driver's own getters make of it (real Postgres, the load's bulk connection, random values).
 */
class PostgresRowReaderIT {
    private PostgresTestDatabase pg;
    private PostgresConnections connections;

    @BeforeEach
    void database() {
        pg = new PostgresTestDatabase("rowreader");
        PipeSpec spec = PipeSpecParser.parse("name: rows\n" + pg.sourceYaml()
                + "destination: {url: 'http://127.0.0.1:1', database: d}\ntables: [t]\n", Map.of());
        connections = new PostgresConnections(spec.name(), spec.source());
        pg.execute("CREATE TABLE t (id int PRIMARY KEY, i2 smallint, i8 bigint, f8 float8, n12 numeric(12,2),"
                + " n18 numeric(18,0), n30 numeric(30,10), n5 numeric(5,5), tx text, vc varchar(40), bp char(6),"
                + " d date, ts timestamp, tz timestamptz)");
    }

    @AfterEach
    void drop() {
        pg.close();
    }

    @Test
    void decodedValuesEqualTheDriversForRandomRows() throws Exception {
        long seed = System.nanoTime();
        System.out.println("PostgresRowReaderIT seed " + seed);
        Random random = new Random(seed);
        try (Connection setup = pg.connect();
                PreparedStatement insert = setup.prepareStatement("INSERT INTO t VALUES (?, ?::smallint, ?::bigint,"
                        + " ?::float8, ?::numeric, ?::numeric, ?::numeric, ?::numeric, ?, ?, ?, ?::date, ?::timestamp,"
                        + " ?::timestamptz)")) {
            for (int id = 1; id <= 3_000; id++) {
                insert.setInt(1, id);
                insert.setString(2, maybe(random, () -> Long.toString(random.nextInt(65_536) - 32_768)));
                insert.setString(3, maybe(random, () -> Long.toString(random.nextLong())));
                insert.setString(4, maybe(random, () -> Double.toString(random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20))));
                insert.setString(5, maybe(random, () -> numeric(random, 12, 2)));
                insert.setString(6, maybe(random, () -> numeric(random, 18, 0)));
                insert.setString(7, maybe(random, () -> numeric(random, 30, 10)));
                insert.setString(8, maybe(random, () -> numeric(random, 5, 5)));
                insert.setString(9, maybe(random, () -> text(random, 60)));
                insert.setString(10, maybe(random, () -> text(random, 40)));
                insert.setString(11, maybe(random, () -> text(random, 6)));
                insert.setString(12, maybe(random, () -> random.nextInt(30) == 0 ? (random.nextBoolean() ? "infinity" : "-infinity")
                        : LocalDate.ofEpochDay(random.nextInt(400_000) - 200_000).toString()));
                insert.setString(13, maybe(random, () -> timestamp(random)));
                insert.setString(14, maybe(random, () -> timestamp(random).replaceFirst("(\\d)$", "$1+00")));
                insert.addBatch();
            }
            insert.executeBatch();
        }

        SourceTable table;
        try (Connection catalog = connections.open("catalog")) {
            table = PostgresCatalog.read(catalog, new TableSpec("public", "t", "t"), false);
        }
        List<ColumnSchema> columns = table.schema().columns();
        String sql = "SELECT " + String.join(", ", table.selectExpressions()) + " FROM t ORDER BY id";
        List<Object[]> decoded = new ArrayList<>();
        List<Object[]> driver = new ArrayList<>();
        try (Connection conn = connections.openTableRead("test")) {
            try (PreparedStatement st = conn.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
                PostgresRowReader reader = new PostgresRowReader(columns);
                while (rs.next()) {
                    decoded.add(reader.read(rs, 1));
                }
            }
            try (PreparedStatement st = conn.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Object[] row = new Object[columns.size()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = byDriver(rs, i + 1, columns.get(i));
                    }
                    driver.add(row);
                }
            }
        }
        assertThat(decoded).hasSize(3_000);
        for (int r = 0; r < decoded.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                assertThat(decoded.get(r)[c]).as("row %d column %s (seed %d)", r + 1, columns.get(c).name(), seed)
                        .isEqualTo(driver.get(r)[c]);
            }
        }
    }

    /** The value as the driver's getters give it, in the reader's canonical form. */
    private static Object byDriver(ResultSet rs, int i, ColumnSchema column) throws SQLException {
        if (rs.getObject(i) == null) {
            return null;
        }
        return switch (column.type().kind()) {
            case INT16, INT32, INT64 -> rs.getLong(i);
            case FLOAT64 -> rs.getDouble(i);
            case DECIMAL -> rs.getString(i).equals("NaN") ? "NaN" : rs.getBigDecimal(i);
            case DATE -> PostgresRowReader.days(rs.getObject(i, LocalDate.class));
            case TIMESTAMP -> PostgresRowReader.micros(rs.getObject(i, LocalDateTime.class));
            case TIMESTAMPTZ -> PostgresRowReader.micros(rs.getObject(i, OffsetDateTime.class));
            default -> rs.getString(i);
        };
    }

    private interface Value {
        String make();
    }

    private static String maybe(Random random, Value value) {
        return random.nextInt(10) == 0 ? null : value.make();
    }

    /** A numeric(p, s) value, often at the edges: zero, the largest, tiny, round thousands; sometimes NaN. */
    private static String numeric(Random random, int precision, int scale) {
        BigInteger limit = BigInteger.TEN.pow(precision);
        BigInteger unscaled = switch (random.nextInt(8)) {
            case 0 -> BigInteger.ZERO;
            case 1 -> limit.subtract(BigInteger.ONE);
            case 2 -> BigInteger.valueOf(random.nextInt(10));
            case 3 -> BigInteger.valueOf(random.nextInt(100)).multiply(BigInteger.TEN.pow(Math.max(0, precision - 3)));
            case 4 -> BigInteger.TEN.pow(random.nextInt(precision));
            default -> new BigInteger(precision * 4, random).mod(limit);
        };
        if (random.nextInt(40) == 0) {
            return "NaN";
        }
        return new BigDecimal(random.nextBoolean() ? unscaled : unscaled.negate(), scale).toPlainString();
    }

    private static String text(Random random, int length) {
        String[] pieces = {"a", "Z", "0", " ", "é", "ß", "日本", "😀", "\\", "'", "\t", "Ω"};
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(length / 2 + 1);
        for (int i = 0; i < n; i++) {
            s.append(pieces[random.nextInt(pieces.length)]);
        }
        return s.toString();
    }

    private static String timestamp(Random random) {
        if (random.nextInt(30) == 0) {
            return random.nextBoolean() ? "infinity" : "-infinity";
        }
        return LocalDateTime.ofEpochSecond(random.nextLong(-5_000_000_000L, 10_000_000_000L), random.nextInt(1_000_000) * 1000,
                ZoneOffset.UTC).toString();
    }
}
