package io.semdex.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The job jar runs on Flink's own Java 21 images (kubernetes/flink.Dockerfile), while semdex itself
 * builds and runs on Java 25: every class a Java 21 JVM would load from the job jar, and from the jars
 * that image puts into Flink's lib/ beside it, is Java 21 bytecode (class file major version 65) or
 * older. A multi-release jar's classes for Java 22 and later are left to newer JVMs.
 */
class JobJarJavaLevelIT {

    private static final int JAVA_21 = 65;
    private static final Pattern VERSIONED = Pattern.compile("^META-INF/versions/(\\d+)/");
    private static final Path REPO = Path.of(System.getProperty("semdex.repo", "..")).toAbsolutePath().normalize();

    @Test
    void everyClassAJava21FlinkLoadsIsJava21Bytecode() throws IOException {
        List<Path> jars = new ArrayList<>();
        jars.add(REPO.resolve("dist/target/semdex/job/semdex-ingest-job.jar"));
        try (Stream<Path> addons = Files.list(REPO.resolve("cluster/target/flink-addons/lib"))) {
            addons.filter(f -> f.toString().endsWith(".jar")).sorted().forEach(jars::add);
        }
        List<String> tooNew = new ArrayList<>();
        TreeMap<Integer, Integer> classesByMajor = new TreeMap<>();
        for (Path jar : jars) {
            try (JarFile file = new JarFile(jar.toFile())) {
                for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements();) {
                    JarEntry entry = entries.nextElement();
                    if (!entry.getName().endsWith(".class") || entry.getName().endsWith("module-info.class")) {
                        continue;
                    }
                    Matcher versioned = VERSIONED.matcher(entry.getName());
                    if (versioned.find() && Integer.parseInt(versioned.group(1)) > 21) {
                        continue; // a Java 21 JVM does not look there
                    }
                    int major = major(file, entry);
                    classesByMajor.merge(major, 1, Integer::sum);
                    if (major > JAVA_21) {
                        tooNew.add(jar.getFileName() + "!/" + entry.getName() + " (class file " + major + ")");
                    }
                }
            }
        }
        System.out.println("classes a Java 21 JVM loads from the job jar and flink-addons, by class file version: " + classesByMajor);
        assertThat(classesByMajor.keySet()).isNotEmpty();
        assertThat(tooNew).as("classes newer than Java 21").isEmpty();
    }

    private static int major(JarFile file, JarEntry entry) throws IOException {
        try (InputStream in = file.getInputStream(entry)) {
            byte[] head = in.readNBytes(8);
            if (head.length < 8 || (head[0] & 0xff) != 0xCA || (head[1] & 0xff) != 0xFE) {
                throw new IOException(entry.getName() + " is not a class file");
            }
            return ((head[6] & 0xff) << 8) | (head[7] & 0xff);
        }
    }
}
