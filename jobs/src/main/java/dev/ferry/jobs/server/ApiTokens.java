package dev.ferry.jobs.server;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The bearer tokens the server accepts, each with the name its actions are recorded under, from
 * {@code name=token} pairs separated by commas or new lines ({@code FERRY_SERVER_TOKENS}).
 */
public final class ApiTokens {
    private final Map<String, String> nameByToken;

    private ApiTokens(Map<String, String> nameByToken) {
        this.nameByToken = nameByToken;
    }

    public static ApiTokens none() {
        return new ApiTokens(Map.of());
    }

    /** Parses {@code name=token} pairs; a malformed pair fails naming its position, never its token. */
    public static ApiTokens parse(String pairs) {
        Map<String, String> byToken = new LinkedHashMap<>();
        int n = 0;
        for (String pair : pairs.split("[,\\n]")) {
            n++;
            String p = pair.strip();
            if (p.isEmpty() || p.startsWith("#")) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("token entry " + n + " is not name=token");
            }
            String token = p.substring(eq + 1).strip();
            if (token.length() < 16) {
                throw new IllegalArgumentException("token of " + p.substring(0, eq).strip()
                        + " is shorter than 16 characters: use a long random one (openssl rand -hex 24)");
            }
            byToken.put(token, p.substring(0, eq).strip());
        }
        return new ApiTokens(byToken);
    }

    public boolean isEmpty() {
        return nameByToken.isEmpty();
    }

    /** The name of the token in an {@code Authorization: Bearer ...} header, if it is one of ours. */
    public Optional<String> nameOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        for (Map.Entry<String, String> e : nameByToken.entrySet()) {
            // constant time per comparison: the answer's timing says nothing of a token's prefix
            if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }
}
