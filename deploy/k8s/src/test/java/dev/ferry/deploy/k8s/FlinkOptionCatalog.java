package dev.ferry.deploy.k8s;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.MetricOptions;

/**
 * Every configuration option declared by the Flink jars on the test classpath (a {@code public static
 * ConfigOption} field of a {@code *Option*} class), and a check of a flinkConfiguration map against
 * them: unknown keys (typos), deprecated keys, and values that do not parse as the option's type.
 *
 * <p>Jars scanned: flink-core, flink-runtime and flink-streaming-java 1.20.5 (Ferry's Flink),
 * flink-kubernetes 1.20.1 and flink-metrics-prometheus 1.20.3 (the newest 1.20 releases of those in the
 * Maven repository reachable here), and flink-kubernetes-operator 1.7.0 for {@code kubernetes.operator.*}
 * (the newest operator jar there; the operator API jar 1.10.0 has no option classes). An operator key
 * added after 1.7 would be reported as unknown: the manifests use none.
 */
final class FlinkOptionCatalog {
    private static final List<String> SCANNED_JARS = List.of(
            "flink-core-", "flink-runtime-", "flink-streaming-java-", "flink-kubernetes-",
            "flink-metrics-prometheus-");
    private static final Pattern NAMED_REPORTER = Pattern.compile("metrics\\.reporter\\.([^.]+)\\.(.+)");
    private static final String METRIC_REPORTER_FACTORY = "org.apache.flink.metrics.reporter.MetricReporterFactory";

    /** One declared option, with where it came from. */
    record Declared(ConfigOption<?> option, String declaredIn) {}

    private final Map<String, List<Declared>> byKey = new TreeMap<>();
    /** Deprecated key -> the option that replaced it. */
    private final Map<String, Declared> deprecated = new TreeMap<>();
    /** Non-deprecated fallback key -> option. */
    private final Map<String, Declared> fallback = new TreeMap<>();
    /** Keys of the per-reporter options (metrics.reporter.<name>.<key>), e.g. factory.class, interval. */
    private final Set<String> reporterKeys = new TreeSet<>();
    private final Set<String> jarsScanned = new TreeSet<>();

    private static FlinkOptionCatalog instance;

    static synchronized FlinkOptionCatalog get() {
        if (instance == null) {
            instance = new FlinkOptionCatalog();
        }
        return instance;
    }

    private FlinkOptionCatalog() {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = new File(entry).getName();
            boolean scanned = name.endsWith(".jar")
                    && (SCANNED_JARS.stream().anyMatch(name::startsWith) && !name.startsWith("flink-kubernetes-operator")
                            || name.startsWith("flink-kubernetes-operator-") && !name.startsWith("flink-kubernetes-operator-api"));
            if (scanned) {
                scan(new File(entry));
                jarsScanned.add(name);
            }
        }
        // metrics.reporter.<name>.<key>: MetricOptions declares these with the bare key.
        for (Field f : MetricOptions.class.getFields()) {
            if (f.getName().startsWith("REPORTER_") && !f.getName().equals("REPORTER_CONFIG_PARAMETER")
                    && ConfigOption.class.isAssignableFrom(f.getType())) {
                reporterKeys.add(((ConfigOption<?>) read(f)).key());
            }
        }
        if (!byKey.containsKey("kubernetes.operator.savepoint.history.max.age")) {
            throw new IllegalStateException("the operator's options did not load; scanned " + jarsScanned);
        }
    }

    private void scan(File jar) {
        try (JarFile jf = new JarFile(jar)) {
            for (Enumeration<JarEntry> e = jf.entries(); e.hasMoreElements(); ) {
                String n = e.nextElement().getName();
                if (!n.endsWith(".class") || n.contains("$") || n.contains("/shaded/")
                        || !n.substring(n.lastIndexOf('/') + 1).contains("Option")) {
                    continue;
                }
                String className = n.substring(0, n.length() - ".class".length()).replace('/', '.');
                Class<?> c;
                try {
                    c = Class.forName(className, true, FlinkOptionCatalog.class.getClassLoader());
                } catch (Throwable t) {
                    continue; // a class needing what is not on this classpath holds no option we use
                }
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                        ConfigOption<?> option = (ConfigOption<?>) read(f);
                        if (option == null) {
                            continue;
                        }
                        Declared d = new Declared(option, c.getSimpleName() + " (" + jar.getName() + ")");
                        byKey.computeIfAbsent(option.key(), k -> new ArrayList<>()).add(d);
                        for (FallbackKey fk : option.fallbackKeys()) {
                            (fk.isDeprecated() ? deprecated : fallback).putIfAbsent(fk.getKey(), d);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object read(Field f) {
        try {
            f.setAccessible(true);
            return f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    int size() {
        return byKey.size();
    }

    Set<String> jarsScanned() {
        return jarsScanned;
    }

    Optional<Declared> current(String key) {
        List<Declared> d = byKey.get(key);
        return d == null ? Optional.empty() : Optional.of(d.get(0));
    }

    Optional<Declared> replacementOfDeprecated(String key) {
        return Optional.ofNullable(deprecated.get(key));
    }

    /**
     * Problems of a flinkConfiguration map, one line each, naming the key. {@code allowedDeprecated}:
     * deprecated keys used on purpose (key -> why).
     */
    List<String> check(Map<String, String> conf, Map<String, String> allowedDeprecated) {
        List<String> problems = new ArrayList<>();
        Map<String, String> reporterFactories = new LinkedHashMap<>();
        conf.forEach((key, value) -> {
            Matcher m = NAMED_REPORTER.matcher(key);
            if (m.matches() && m.group(2).equals("factory.class")) {
                reporterFactories.put(m.group(1), value);
            }
        });
        conf.forEach((key, value) -> {
            checkEnumeratedString(key, value, problems);
            if (byKey.containsKey(key)) {
                for (Declared d : byKey.get(key)) {
                    checkValue(key, value, d, problems);
                }
            } else if (deprecated.containsKey(key)) {
                Declared d = deprecated.get(key);
                if (allowedDeprecated.containsKey(key)) {
                    checkValue(key, value, d, problems);
                } else {
                    problems.add(key + ": deprecated in Flink 1.20, use " + d.option().key()
                            + " (" + d.declaredIn() + ")");
                }
            } else if (fallback.containsKey(key)) {
                checkValue(key, value, fallback.get(key), problems);
            } else if (NAMED_REPORTER.matcher(key).matches()) {
                checkReporterKey(key, value, reporterFactories, problems);
            } else if (key.startsWith("kubernetes.operator.")) {
                problems.add(key + ": not an option of the Flink Kubernetes Operator" + suggestion(key));
            } else {
                problems.add(key + ": not a Flink 1.20 configuration option" + suggestion(key));
            }
        });
        return problems;
    }

    /**
     * String-typed options whose value is one of a few names or else a factory class name, so any typo
     * "parses": high-availability.type and state.backend.type.
     */
    private static void checkEnumeratedString(String key, String value, List<String> problems) {
        Map<String, Set<String>> names = Map.of(
                "high-availability.type", Set.of("none", "zookeeper", "kubernetes"),
                "high-availability", Set.of("none", "zookeeper", "kubernetes"),
                "state.backend.type", Set.of("hashmap", "rocksdb"));
        Set<String> allowed = names.get(key);
        if (allowed == null || allowed.contains(value.toLowerCase(java.util.Locale.ROOT))) {
            return;
        }
        try {
            Class.forName(value);
        } catch (ClassNotFoundException | RuntimeException e) {
            problems.add(key + ": '" + value + "' is none of " + new TreeSet<>(allowed)
                    + " and not a factory class on Flink's classpath");
        }
    }

    private static void checkValue(String key, String value, Declared d, List<String> problems) {
        try {
            Object parsed = Configuration.fromMap(Map.of(key, value)).get(d.option());
            if (parsed == null && value != null && !value.isBlank()) {
                problems.add(key + ": value '" + value + "' was not picked up by " + d.declaredIn());
            }
        } catch (RuntimeException e) {
            problems.add(key + ": value '" + value + "' is not valid for " + d.declaredIn() + ": " + e.getMessage());
        }
    }

    private void checkReporterKey(String key, String value, Map<String, String> factories, List<String> problems) {
        Matcher m = NAMED_REPORTER.matcher(key);
        m.matches();
        String reporter = m.group(1);
        String option = m.group(2);
        String factory = factories.get(reporter);
        if (factory == null) {
            problems.add(key + ": reporter '" + reporter + "' has no metrics.reporter." + reporter + ".factory.class");
            return;
        }
        if (option.equals("factory.class")) {
            try {
                Class<?> c = Class.forName(value);
                if (!Class.forName(METRIC_REPORTER_FACTORY).isAssignableFrom(c)) {
                    problems.add(key + ": " + value + " is not a MetricReporterFactory");
                }
            } catch (ClassNotFoundException e) {
                problems.add(key + ": no class " + value + " in Flink's reporters");
            }
            return;
        }
        if (reporterKeys.contains(option)) {
            return;
        }
        Set<String> own = reporterParameters(factory);
        if (!own.contains(option)) {
            problems.add(key + ": '" + option + "' is neither a reporter option " + reporterKeys
                    + " nor a parameter of " + factory + " " + own);
        } else if (option.equals("port") && !value.matches("\\d{1,5}(-\\d{1,5})?")) {
            problems.add(key + ": a port or port range (got '" + value + "')");
        }
    }

    /** A reporter's own parameters: the String constants ARG_* of its factory (Prometheus: port). */
    private static Set<String> reporterParameters(String factoryClass) {
        Set<String> out = new TreeSet<>();
        try {
            for (Field f : Class.forName(factoryClass).getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().startsWith("ARG_")) {
                    Object v = read(f);
                    if (v != null) {
                        out.add((String) v);
                    }
                }
                if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                    ConfigOption<?> o = (ConfigOption<?>) read(f);
                    if (o != null) {
                        out.add(o.key());
                    }
                }
            }
        } catch (ClassNotFoundException e) {
            // reported by the factory.class check
        }
        return out;
    }

    private String suggestion(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : allKeys()) {
            int d = levenshtein(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(3, key.length() / 6) ? " (did you mean " + best + "?)" : "";
    }

    private List<String> allKeys() {
        List<String> keys = new ArrayList<>(byKey.keySet());
        keys.addAll(deprecated.keySet());
        keys.sort(Comparator.naturalOrder());
        return keys;
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
