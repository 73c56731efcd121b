package dev.ferry.state.spec;

import java.io.Serializable;
import java.util.List;

/**
 * Options of one entry of {@code tables:}, written beside {@code source} and {@code target}:
 * {@code - {source: public.users, exclude_columns: [email, phone]}}.
 */
public final class TableOptions {
    private TableOptions() {}

    /** Names as written in the spec; a Postgres pipe folds them by SQL identifier rules. */
    public record Names(List<String> names) implements Serializable {
        public Names {
            names = List.copyOf(names);
        }
    }

    public static final PipeOption<Names> EXCLUDE_COLUMNS = PipeOption.namesOption(
            "exclude_columns", new Names(List.of()),
            "Columns (MongoDB: top-level fields) left out of the destination table: the initial load does"
                    + " not select them and changes lose them as they are decoded. Not key columns.");

    /** The option with this YAML key, if there is one. */
    public static java.util.Optional<PipeOption<?>> find(String key) {
        return ALL.stream().filter(o -> o.key().equals(key)).findFirst();
    }

    public static final List<PipeOption<?>> ALL = List.of(EXCLUDE_COLUMNS);
}
