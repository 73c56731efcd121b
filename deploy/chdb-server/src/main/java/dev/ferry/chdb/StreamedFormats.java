package dev.ferry.chdb;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * chDB's streaming API formats every chunk as a complete output of its own: a header in each
 * chunk of RowBinaryWithNamesAndTypes, a whole document per chunk of JSON or Parquet. Only
 * formats whose chunks join into the server's output are streamed: those without a prefix,
 * suffix or separator between blocks, and RowBinaryWithNames[AndTypes], whose repeated header
 * is dropped. Every other result is computed whole in engine memory before it is sent.
 */
final class StreamedFormats {
    private static final Set<String> CONCATENABLE = Set.of("rowbinary", "native", "tabseparated", "tsv",
            "tabseparatedraw", "tsvraw", "csv", "jsoneachrow", "jsonlines", "ndjson", "jsonstringseachrow",
            "jsoncompacteachrow", "jsoncompactstringseachrow", "tskv", "lineasstring", "rawblob", "null");
    private static final String WITH_NAMES = "rowbinarywithnames";
    private static final String WITH_NAMES_AND_TYPES = "rowbinarywithnamesandtypes";

    private StreamedFormats() {
    }

    /** Whether a result in {@code format}, under the request's settings, can be streamed. */
    static boolean streamable(String format, Map<String, String> settings) {
        String f = format.toLowerCase(Locale.ROOT);
        if (f.equals(WITH_NAMES) || f.equals(WITH_NAMES_AND_TYPES)) {
            // Types in binary encoding make a header we do not parse.
            return !truthy(settings.get("output_format_binary_encode_types_in_binary_format"));
        }
        // This one wraps JSONEachRow output in [ ], per chunk.
        return CONCATENABLE.contains(f) && !truthy(settings.get("output_format_json_array_of_rows"));
    }

    /** Joins the chunks of one streamed result into the output the server would send. */
    static final class Joiner {
        private final String format;
        private byte[] header;

        Joiner(String format) {
            this.format = format.toLowerCase(Locale.ROOT);
        }

        /** The part of the next chunk to send: all of the first, the others without the repeated header. */
        ByteBuffer join(ByteBuffer chunk) {
            if (header == null) {
                header = new byte[headerLength(chunk)];
                chunk.duplicate().get(header);
                return chunk;
            }
            if (chunk.remaining() < header.length
                    || !chunk.slice(chunk.position(), header.length).equals(ByteBuffer.wrap(header))) {
                throw new ClickHouseError(ClickHouseError.LOGICAL_ERROR,
                        "A streamed " + format + " chunk does not start with the header of the first one");
            }
            return chunk.position(chunk.position() + header.length);
        }

        /**
         * The column count, the names and, for ...AndTypes, the type names, each as a LEB128
         * length and bytes; none for the other formats.
         */
        private int headerLength(ByteBuffer firstChunk) {
            ByteBuffer in = firstChunk.duplicate();
            int strings;
            if (format.equals(WITH_NAMES)) {
                strings = (int) varUInt(in);
            } else if (format.equals(WITH_NAMES_AND_TYPES)) {
                strings = 2 * (int) varUInt(in);
            } else {
                return 0;
            }
            for (int i = 0; i < strings; i++) {
                long length = varUInt(in);
                in.position(in.position() + (int) length);
            }
            return in.position() - firstChunk.position();
        }
    }

    private static long varUInt(ByteBuffer in) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    private static boolean truthy(String value) {
        return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
    }
}
