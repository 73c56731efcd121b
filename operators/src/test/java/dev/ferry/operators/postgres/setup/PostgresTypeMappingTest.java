package dev.ferry.operators.postgres.setup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.operators.postgres.setup.PostgresTypeMapping.MappedColumn;
import dev.ferry.operators.postgres.setup.PostgresTypeMapping.PgColumn;
import dev.ferry.state.schema.ColumnType.Kind;
import dev.ferry.state.schema.ColumnType;
import org.junit.jupiter.api.Test;

class PostgresTypeMappingTest {

    private static MappedColumn scalar(String type, int typmod, boolean notNull) {
        return PostgresTypeMapping.map(new PgColumn("c", type, 'b', typmod, null, ' ', notNull));
    }

    private static int numericTypmod(int precision, int scale) {
        return ((precision << 16) | (scale & 0x7ff)) + 4;
    }

    @Test
    void integersFloatsAndBooleans() {
        assertThat(scalar("int2", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.INT16));
        assertThat(scalar("int4", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.INT32));
        assertThat(scalar("int8", -1, false).column().nullable()).isTrue();
        assertThat(scalar("oid", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.UINT32));
        assertThat(scalar("float4", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.FLOAT32));
        assertThat(scalar("float8", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.FLOAT64));
        assertThat(scalar("bool", -1, true).selectExpression()).isEqualTo("\"c\"");
    }

    @Test
    void numericWithPrecisionIsDecimalAndAlwaysNullableForNaN() {
        MappedColumn m = scalar("numeric", numericTypmod(12, 3), true);
        assertThat(m.column().type()).isEqualTo(ColumnType.decimal(12, 3));
        assertThat(m.column().nullable()).isTrue();
        assertThat(m.selectExpression()).isEqualTo("\"c\"");
    }

    @Test
    void numericEdgeCases() {
        assertThat(PostgresTypeMapping.numeric(-1)).isEqualTo(ColumnType.of(Kind.STRING)); // bare numeric
        assertThat(PostgresTypeMapping.numeric(numericTypmod(5, -2))).isEqualTo(ColumnType.decimal(7, 0));
        assertThat(PostgresTypeMapping.numeric(numericTypmod(3, 5))).isEqualTo(ColumnType.decimal(5, 5));
        assertThat(PostgresTypeMapping.numeric(numericTypmod(76, 10))).isEqualTo(ColumnType.decimal(76, 10));
        assertThat(PostgresTypeMapping.numeric(numericTypmod(100, 2))).isEqualTo(ColumnType.of(Kind.STRING));
        assertThat(scalar("numeric", -1, true).selectExpression()).isEqualTo("\"c\"::text");
    }

    @Test
    void textLikeTypesAndTheirExpressions() {
        assertThat(scalar("varchar", 14, true).selectExpression()).isEqualTo("\"c\"");
        assertThat(scalar("bpchar", 14, true).selectExpression()).isEqualTo("\"c\"");
        assertThat(scalar("interval", -1, true).column().type().kind()).isEqualTo(Kind.STRING);
        assertThat(scalar("interval", -1, true).selectExpression()).isEqualTo("\"c\"::text");
        assertThat(scalar("time", -1, true).selectExpression()).isEqualTo("\"c\"::text");
        assertThat(scalar("money", -1, true).selectExpression()).isEqualTo("trim_scale(\"c\"::numeric)::text");
        assertThat(scalar("jsonb", -1, true).column().type().kind()).isEqualTo(Kind.JSON);
        assertThat(scalar("jsonb", -1, true).selectExpression()).isEqualTo("\"c\"::text");
        assertThat(scalar("inet", -1, true).column().type().kind()).isEqualTo(Kind.STRING);
        assertThat(scalar("inet", -1, true).selectExpression()).isEqualTo("\"c\"");
        assertThat(scalar("tsvector", -1, true).column().sourceType()).isEqualTo("tsvector");
    }

    @Test
    void datesUuidBytesAndEnums() {
        assertThat(scalar("date", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.DATE));
        assertThat(scalar("timestamp", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.TIMESTAMP));
        assertThat(scalar("timestamptz", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.TIMESTAMPTZ));
        assertThat(scalar("uuid", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.UUID));
        assertThat(scalar("bytea", -1, true).column().type()).isEqualTo(ColumnType.of(Kind.BYTES));
        MappedColumn mood = PostgresTypeMapping.map(new PgColumn("m", "mood", 'e', -1, null, ' ', false));
        assertThat(mood.column().type()).isEqualTo(ColumnType.of(Kind.ENUM));
        assertThat(mood.selectExpression()).isEqualTo("\"m\"::text");
    }

    @Test
    void arrays() {
        MappedColumn ints = PostgresTypeMapping.map(new PgColumn("a", "_int4", 'b', -1, "int4", 'b', false));
        assertThat(ints.column().type()).isEqualTo(ColumnType.arrayOf(ColumnType.of(Kind.INT32)));
        assertThat(ints.column().sourceType()).isEqualTo("int4[]");
        assertThat(ints.selectExpression()).isEqualTo("\"a\"::text"); // the stream's form, one parser for both
        MappedColumn dates = PostgresTypeMapping.map(new PgColumn("d", "_date", 'b', -1, "date", 'b', false));
        assertThat(dates.column().type()).isEqualTo(ColumnType.arrayOf(ColumnType.of(Kind.STRING)));
        assertThat(dates.selectExpression()).isEqualTo("\"d\"::text");
    }

    @Test
    void quotesIdentifiers() {
        MappedColumn m = PostgresTypeMapping.map(new PgColumn("Mixed \"Case\"", "text", 'b', -1, null, ' ', true));
        assertThat(m.selectExpression()).isEqualTo("\"Mixed \"\"Case\"\"\"");
    }
}
