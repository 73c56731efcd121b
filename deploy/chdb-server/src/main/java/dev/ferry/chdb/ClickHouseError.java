package dev.ferry.chdb;

import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ClickHouse exception as the HTTP interface reports it: the numeric code (sent as
 * {@code X-ClickHouse-Exception-Code}), the {@code Code: N. DB::Exception: ...} text (the body), and
 * the HTTP status the server maps the code to (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp).
 */
final class ClickHouseError extends RuntimeException {
    static final int UNKNOWN_EXCEPTION = 1002;
    static final int CANNOT_READ_ALL_DATA = 33;
    static final int BAD_ARGUMENTS = 36;
    static final int CHECKSUM_DOESNT_MATCH = 40;
    static final int NOT_IMPLEMENTED = 48;
    static final int LOGICAL_ERROR = 49;
    static final int SYNTAX_ERROR = 62;
    static final int UNKNOWN_COMPRESSION_METHOD = 89;
    static final int UNKNOWN_SETTING = 115;
    static final int TOO_MANY_SIMULTANEOUS_QUERIES = 202;
    static final int QUERY_IS_TOO_LARGE = 229;
    static final int ABORTED = 236;
    static final int CANNOT_DECOMPRESS = 271;
    static final int AUTHENTICATION_FAILED = 516;

    private static final Pattern ENGINE_MESSAGE = Pattern.compile("^Code: (\\d+)\\. ");

    private static final Map<Integer, Integer> STATUS_BY_CODE = statusByCode();

    private final int code;

    /** An error raised by this server; {@code message} is the part after {@code DB::Exception: }. */
    ClickHouseError(int code, String message) {
        super("Code: " + code + ". DB::Exception: " + message + ". (" + name(code) + ")");
        this.code = code;
    }

    private ClickHouseError(String engineText, int code) {
        super(engineText);
        this.code = code;
    }

    /** Wraps the text of an engine error, which already reads {@code Code: N. DB::Exception: ...}. */
    static ClickHouseError fromEngine(String text) {
        Matcher m = ENGINE_MESSAGE.matcher(text);
        if (m.find()) {
            return new ClickHouseError(text, Integer.parseInt(m.group(1)));
        }
        return new ClickHouseError("Code: " + UNKNOWN_EXCEPTION + ". DB::Exception: " + text + ". (UNKNOWN_EXCEPTION)",
                UNKNOWN_EXCEPTION);
    }

    static ClickHouseError authenticationFailed(String user) {
        return new ClickHouseError(AUTHENTICATION_FAILED,
                user + ": Authentication failed: password is incorrect, or there is no user with such name");
    }

    int code() {
        return code;
    }

    int httpStatus() {
        return STATUS_BY_CODE.getOrDefault(code, 500);
    }

    private static String name(int code) {
        return switch (code) {
            case CANNOT_READ_ALL_DATA -> "CANNOT_READ_ALL_DATA";
            case BAD_ARGUMENTS -> "BAD_ARGUMENTS";
            case CHECKSUM_DOESNT_MATCH -> "CHECKSUM_DOESNT_MATCH";
            case NOT_IMPLEMENTED -> "NOT_IMPLEMENTED";
            case LOGICAL_ERROR -> "LOGICAL_ERROR";
            case SYNTAX_ERROR -> "SYNTAX_ERROR";
            case UNKNOWN_COMPRESSION_METHOD -> "UNKNOWN_COMPRESSION_METHOD";
            case UNKNOWN_SETTING -> "UNKNOWN_SETTING";
            case TOO_MANY_SIMULTANEOUS_QUERIES -> "TOO_MANY_SIMULTANEOUS_QUERIES";
            case QUERY_IS_TOO_LARGE -> "QUERY_IS_TOO_LARGE";
            case ABORTED -> "ABORTED";
            case CANNOT_DECOMPRESS -> "CANNOT_DECOMPRESS";
            case AUTHENTICATION_FAILED -> "AUTHENTICATION_FAILED";
            default -> "UNKNOWN_EXCEPTION";
        };
    }

    private static Map<Integer, Integer> statusByCode() {
        var map = new java.util.HashMap<Integer, Integer>();
        // REQUIRED_PASSWORD
        map.put(194, 401);
        // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, SET_NON_GRANTED_ROLE, ACCESS_DENIED
        for (int code : Set.of(192, 193, AUTHENTICATION_FAILED, 512, 497)) {
            map.put(code, 403);
        }
        // BAD_ARGUMENTS, CANNOT_COMPILE_REGEXP, CANNOT_PARSE_{TEXT, ESCAPE_SEQUENCE, QUOTED_STRING, DATE,
        // DATETIME, NUMBER, DOMAIN_VALUE_FROM_STRING, IPV4, IPV6, INPUT_ASSERTION_FAILED, UUID},
        // DUPLICATE_COLUMN, ILLEGAL_COLUMN, UNKNOWN_ELEMENT_IN_AST, UNKNOWN_TYPE_OF_AST_NODE,
        // THERE_IS_NO_COLUMN, TOO_DEEP_AST, TOO_BIG_AST, UNEXPECTED_AST_STRUCTURE, SYNTAX_ERROR,
        // INCORRECT_DATA, TYPE_MISMATCH, VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
        for (int code : Set.of(BAD_ARGUMENTS, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8,
                167, 168, 223, SYNTAX_ERROR, 117, 53, 321)) {
            map.put(code, 400);
        }
        // UNKNOWN_{TABLE, FUNCTION, IDENTIFIER, TYPE, STORAGE, DATABASE, SETTING, DIRECTION_OF_SORTING,
        // AGGREGATE_FUNCTION, FORMAT, DATABASE_ENGINE, TYPE_OF_QUERY, ROLE}
        for (int code : Set.of(60, 46, 47, 50, 56, 81, UNKNOWN_SETTING, 152, 63, 73, 336, 78, 511)) {
            map.put(code, 404);
        }
        map.put(QUERY_IS_TOO_LARGE, 413);
        map.put(NOT_IMPLEMENTED, 501);
        // SOCKET_TIMEOUT, CANNOT_OPEN_FILE, CANNOT_SCHEDULE_TASK
        for (int code : Set.of(209, 76, 439)) {
            map.put(code, 503);
        }
        // HTTP_LENGTH_REQUIRED
        map.put(381, 411);
        // TIMEOUT_EXCEEDED
        map.put(159, 408);
        return Map.copyOf(map);
    }
}
