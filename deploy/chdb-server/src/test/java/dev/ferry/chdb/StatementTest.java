package dev.ferry.chdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatementTest {

    private static Statement parse(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Statement.parse(bytes, bytes.length);
    }

    private static String data(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Statement s = Statement.parse(bytes, bytes.length);
        return new String(bytes, s.dataStart(), bytes.length - s.dataStart(), StandardCharsets.UTF_8);
    }

    @Test
    void selectsAreStreamableAndTheirFormatIsFound() {
        assertThat(parse("SELECT 1").kind()).isEqualTo(Statement.Kind.SELECT);
        assertThat(parse("  -- c\n WITH 1 AS x SELECT x").kind()).isEqualTo(Statement.Kind.SELECT);
        assertThat(parse("(SELECT 1) FORMAT JSON").outputFormat()).isEqualTo("JSON");
        assertThat(parse("SELECT 1 FORMAT JSONEachRow SETTINGS max_threads = 1").outputFormat()).isEqualTo("JSONEachRow");
        assertThat(parse("SELECT format FROM t").outputFormat()).isNull();
        assertThat(parse("SELECT (SELECT 1 FORMAT CSV)").outputFormat()).isNull();
        assertThat(parse("SHOW TABLES FORMAT `TSV`;").outputFormat()).isEqualTo("TSV");
        assertThat(parse("CREATE TABLE t (a Int8) ENGINE = Memory").kind()).isEqualTo(Statement.Kind.OTHER);
    }

    @Test
    void secondStatementIsRefusedButSemicolonsInsideTextAreNot() {
        assertThatThrownBy(() -> parse("SELECT 1; SELECT 2")).isInstanceOfSatisfying(ClickHouseError.class,
                e -> assertThat(e.code()).isEqualTo(ClickHouseError.SYNTAX_ERROR));
        assertThat(parse("SELECT 'a;b', \"c;d\", `e;f` /* ; */ -- ;\n;  ").kind()).isEqualTo(Statement.Kind.SELECT);
        assertThat(parse("SELECT $tag$ ; $tag$;").kind()).isEqualTo(Statement.Kind.SELECT);
        assertThat(parse("SELECT 'it''s;' ;").kind()).isEqualTo(Statement.Kind.SELECT);
    }

    @Test
    void insertDataStartsAfterTheFirstNewlineAfterTheFormat() {
        assertThat(data("INSERT INTO t FORMAT RowBinary\n\n\u0001")).isEqualTo("\n\u0001");
        assertThat(data("INSERT INTO t FORMAT RowBinary \r\n \u0001")).isEqualTo(" \u0001");
        assertThat(data("INSERT INTO t \n FORMAT RowBinary \n\t")).isEqualTo("\t");
        assertThat(data("INSERT INTO t FORMAT CSV 1,2")).isEqualTo("1,2");
        Statement s = parse("INSERT INTO db.`t t` (a, `format`) SETTINGS format_csv_delimiter = ';', x = 1 FORMAT CSV\n1;2");
        byte[] text = "INSERT INTO db.`t t` (a, `format`) SETTINGS format_csv_delimiter = ';', x = 1 FORMAT CSV\n1;2"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(s.kind()).isEqualTo(Statement.Kind.INSERT_DATA);
        assertThat(s.inputFormat()).isEqualTo("CSV");
        assertThat(s.insertPrefix(text)).isEqualTo("INSERT INTO db.`t t` (a, `format`) SETTINGS format_csv_delimiter = ';', x = 1 ");
    }

    @Test
    void valuesAreData() {
        byte[] text = "insert into t values (1, 'a;\n\nb')".getBytes(StandardCharsets.UTF_8);
        Statement s = Statement.parse(text, text.length);
        assertThat(s.kind()).isEqualTo(Statement.Kind.INSERT_DATA);
        assertThat(s.inputFormat()).isEqualTo("Values");
        assertThat(s.insertPrefix(text)).isEqualTo("insert into t ");
        assertThat(data("INSERT INTO FUNCTION file('x.csv', 'CSV', 'a Int8') VALUES (1)")).isEqualTo(" (1)");
        assertThat(data("INSERT INTO TABLE values VALUES (1)")).isEqualTo(" (1)");
    }

    @Test
    void insertSelectIsAnOrdinaryStatement() {
        assertThat(parse("INSERT INTO t SELECT * FROM s").kind()).isEqualTo(Statement.Kind.OTHER);
        assertThat(parse("INSERT INTO t (a) WITH 1 AS x SELECT x").kind()).isEqualTo(Statement.Kind.OTHER);
        assertThat(parse("INSERT INTO t FROM INFILE 'f.csv' FORMAT CSV").kind()).isEqualTo(Statement.Kind.OTHER);
    }

    @Test
    void sessionChangingStatementsAreRecognised() {
        assertThat(parse("SET max_threads = 1").changesSession()).isTrue();
        assertThat(parse("create temporary table x (a Int8)").changesSession()).isTrue();
        assertThat(parse("CREATE TABLE x (a Int8) ENGINE = Memory").changesSession()).isFalse();
        assertThat(parse("USE system").changesDatabase()).isTrue();
        assertThat(parse("SELECT 1").changesSession()).isFalse();
    }
}
