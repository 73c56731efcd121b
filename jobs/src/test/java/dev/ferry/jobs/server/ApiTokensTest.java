package dev.ferry.jobs.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiTokensTest {
    private static final String ALICE = "0123456789abcdef0123";
    private static final String BOB = "fedcba9876543210fedc";

    @Test
    void namesTheTokenOfABearerHeader() {
        ApiTokens tokens = ApiTokens.parse("alice=" + ALICE + ",\n bob = " + BOB + "\n# a comment\n");
        assertThat(tokens.nameOf("Bearer " + ALICE)).contains("alice");
        assertThat(tokens.nameOf("bearer " + BOB)).contains("bob");
        assertThat(tokens.nameOf("Bearer " + ALICE + "x")).isEmpty();
        assertThat(tokens.nameOf("Basic " + ALICE)).isEmpty();
        assertThat(tokens.nameOf(null)).isEmpty();
        assertThat(ApiTokens.none().isEmpty()).isTrue();
    }

    @Test
    void refusesEntriesWithoutNamingTheirTokens() {
        assertThatThrownBy(() -> ApiTokens.parse("alice=" + ALICE + "," + BOB)).hasMessage("token entry 2 is not name=token");
        assertThatThrownBy(() -> ApiTokens.parse("carol=xq7z")).hasMessageContaining("carol")
                .hasMessageNotContaining("xq7z");
    }
}
