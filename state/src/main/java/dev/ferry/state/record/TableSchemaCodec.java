package dev.ferry.state.record;

import dev.ferry.state.schema.ColumnSchema;
import dev.ferry.state.schema.ColumnType;
import dev.ferry.state.schema.TableSchema;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Binary form of a {@link TableSchema}, in markers and in the change stream's checkpointed state. */
public final class TableSchemaCodec {
    private TableSchemaCodec() {}

    public static void write(TableSchema t, DataOutput out) throws IOException {
        out.writeUTF(t.sourceId());
        out.writeUTF(t.target());
        out.writeInt(t.columns().size());
        for (ColumnSchema c : t.columns()) {
            out.writeUTF(c.name());
            out.writeUTF(c.type().toString());
            out.writeBoolean(c.nullable());
            out.writeUTF(c.sourceType());
            out.writeBoolean(c.dropped());
            ValueCodec.write(c.missing(), out);
            out.writeInt(c.position());
        }
        out.writeInt(t.key().size());
        for (String k : t.key()) {
            out.writeUTF(k);
        }
    }

    public static TableSchema read(DataInput in) throws IOException {
        String sourceId = in.readUTF();
        String target = in.readUTF();
        List<ColumnSchema> columns = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            columns.add(new ColumnSchema(in.readUTF(), ColumnType.parse(in.readUTF()), in.readBoolean(), in.readUTF(),
                    in.readBoolean(), ValueCodec.read(in), in.readInt()));
        }
        List<String> key = new ArrayList<>();
        for (int n = in.readInt(); n > 0; n--) {
            key.add(in.readUTF());
        }
        return new TableSchema(sourceId, target, columns, key);
    }
}
