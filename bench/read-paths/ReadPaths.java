import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * How much CPU each way of reading a table out of Postgres costs the client and the server backend:
 * the binary-transfer cursor Ferry's initial load uses (prepared, fetch size 10,000, every column's
 * bytes taken), COPY ... TO STDOUT in binary format (every field's bytes located), and COPY in text
 * format (the rows' bytes). No values are decoded: this is the floor of each path.
 *
 * <p>Usage: java -cp postgresql.jar ReadPaths.java JDBC_URL TABLE COLUMNS ROUNDS
 */
public final class ReadPaths {
    private ReadPaths() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String from = "SELECT ctid, " + args[2] + " FROM " + args[1];
        int rounds = Integer.parseInt(args[3]);
        for (int round = 1; round <= rounds; round++) {
            for (String path : new String[] {"cursor", "copy-binary", "copy-text"}) {
                try (Connection c = DriverManager.getConnection(url)) {
                    c.setAutoCommit(false);
                    int backend = backendPid(c);
                    long wall = System.nanoTime();
                    long cpu = ownCpuNanos();
                    long serverCpu = backendCpuTicks(backend);
                    long[] counted = switch (path) {
                        case "cursor" -> cursor(c, from);
                        case "copy-binary" -> copy(c, "COPY (" + from + ") TO STDOUT (FORMAT binary)", true);
                        default -> copy(c, "COPY (" + from + ") TO STDOUT", false);
                    };
                    System.out.printf("round %d %-11s rows %,d bytes %,d wall %.2f s client CPU %.2f s backend CPU %.2f s%n",
                            round, path, counted[0], counted[1], (System.nanoTime() - wall) / 1e9,
                            (ownCpuNanos() - cpu) / 1e9, (backendCpuTicks(backend) - serverCpu) / 100.0);
                    c.rollback();
                }
            }
        }
    }

    private static long[] cursor(Connection c, String sql) throws Exception {
        long rows = 0;
        long bytes = 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int i = 1; i <= columns; i++) {
                        byte[] b = rs.getBytes(i);
                        bytes += b == null ? 0 : b.length;
                    }
                    rows++;
                }
            }
        }
        return new long[] {rows, bytes};
    }

    /** Binary COPY: a 19-byte header before the first tuple, then per tuple a field count and length-prefixed fields. */
    private static long[] copy(Connection c, String sql, boolean binary) throws Exception {
        CopyOut out = ((PGConnection) c).getCopyAPI().copyOut(sql);
        long rows = 0;
        long bytes = 0;
        boolean first = true;
        for (byte[] message; (message = out.readFromCopy()) != null; ) {
            if (!binary) {
                bytes += message.length;
                rows++;
                continue;
            }
            int at = first ? 19 : 0;
            first = false;
            int fields = (short) (((message[at] & 0xff) << 8) | (message[at + 1] & 0xff));
            if (fields < 0) {
                continue; // the trailer
            }
            at += 2;
            for (int f = 0; f < fields; f++) {
                int length = ((message[at] & 0xff) << 24) | ((message[at + 1] & 0xff) << 16)
                        | ((message[at + 2] & 0xff) << 8) | (message[at + 3] & 0xff);
                at += 4 + Math.max(0, length);
                bytes += Math.max(0, length);
            }
            rows++;
        }
        return new long[] {rows, bytes};
    }

    private static int backendPid(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** utime + stime of the backend, in clock ticks (the server runs on this machine). */
    private static long backendCpuTicks(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
