package dev.ferry.jobs.control;

import dev.ferry.operators.PipeSetupException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The pipe job jar ({@code ferry-jobs-<version>-job.jar}, next to the CLI's own jar, or
 * {@code FERRY_JOB_JAR}), uploaded to a cluster once per content: its name there carries a hash.
 */
public final class JobJar {
    public static final String ENTRY_CLASS = "dev.ferry.jobs.PipeJobMain";

    private final Path path;
    private final String uploadName;

    private JobJar(Path path, String uploadName) {
        this.path = path;
        this.uploadName = uploadName;
    }

    public static JobJar locate() {
        Path jar = System.getenv("FERRY_JOB_JAR") != null ? Path.of(System.getenv("FERRY_JOB_JAR")) : besideCli();
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new PipeSetupException("no pipe job jar found (build with mvn package, or set FERRY_JOB_JAR)");
        }
        try (InputStream in = Files.newInputStream(jar)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
            String name = jar.getFileName().toString();
            return new JobJar(jar, name.substring(0, name.length() - 4) + "-"
                    + HexFormat.of().formatHex(sha.digest(), 0, 6) + ".jar");
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new PipeSetupException("cannot read the job jar " + jar + ": " + e.getMessage(), e);
        }
    }

    private static Path besideCli() {
        try {
            Path cli = Path.of(JobJar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // The CLI runs from target/classes (tests) or target/ferry-jobs.jar: the job jar is in target/.
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(cli.getParent(), "ferry-jobs-*-job.jar")) {
                for (Path p : jars) {
                    return p;
                }
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    /** The jar's id on the cluster, uploading it if this content is not there yet. */
    public String ensureUploaded(FlinkRestClient flink) throws IOException {
        java.util.Optional<String> uploaded = flink.findJar(uploadName);
        return uploaded.isPresent() ? uploaded.get() : flink.uploadJar(path, uploadName);
    }
}
