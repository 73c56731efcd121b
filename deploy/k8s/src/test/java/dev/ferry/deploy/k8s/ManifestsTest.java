package dev.ferry.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped manifests pass every offline check. */
class ManifestsTest {
    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    }

    @ParameterizedTest
    @ValueSource(strings = {"session", "application"})
    void manifestsAreValid(String dir) {
        List<String> problems = ManifestValidator.validateDirectory(moduleDir().resolve(dir));
        assertThat(problems).as("problems in deploy/k8s/" + dir).isEmpty();
    }
}
