package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file through which {@code semdex demo} tells produce, reindex and serve where its Kafka is. */
class DemoAddressTest {

    @TempDir
    Path tmp;

    private final StringWriter err = new StringWriter();

    private DemoAddress.Lookup running(Path file) {
        return DemoAddress.running(file, "semdex test", new PrintWriter(err, true)).orElse(null);
    }

    @Test
    void aRegisteredDemoIsFoundInItsDataDirectoryAndTheWellKnownFileWhileItsBrokerListens() throws Exception {
        try (ServerSocket broker = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String bootstrap = "127.0.0.1:" + broker.getLocalPort();
            Path wellKnown = tmp.resolve("cache/semdex/demo.address");
            try (DemoAddress.Registration registration = DemoAddress.register(bootstrap, tmp.resolve("data"), wellKnown)) {
                assertThat(DemoAddress.read(DemoAddress.fileIn(tmp.resolve("data")))).contains(registration.address());
                assertThat(registration.address().pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(running(DemoAddress.fileIn(tmp.resolve("data")))).isEqualTo(
                        new DemoAddress.Lookup(DemoAddress.fileIn(tmp.resolve("data")), bootstrap));
                assertThat(running(wellKnown).bootstrap()).isEqualTo(bootstrap);
                assertThat(err.toString()).isEmpty();
                try (var leftovers = Files.list(wellKnown.getParent())) {
                    assertThat(leftovers).containsExactly(wellKnown); // the temporary file was moved, not left beside it
                }
            }
            assertThat(DemoAddress.fileIn(tmp.resolve("data"))).doesNotExist();
            assertThat(wellKnown).doesNotExist();
        }
    }

    @Test
    void aFileWhoseProcessIsGoneIsIgnoredWithAReason() throws Exception {
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        Path file = tmp.resolve("kafka.address");
        try (ServerSocket broker = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            new DemoAddress("127.0.0.1:" + broker.getLocalPort(), exited.pid(), tmp.toString()).write(file);
            assertThat(running(file)).isNull();
        }
        assertThat(err.toString().strip()).isEqualTo("semdex test: ignoring " + file + ": the demo that wrote it (pid " + exited.pid()
                + ") is not running");
    }

    @Test
    void aFileWhoseBrokerDoesNotAnswerIsIgnoredWithAReason() throws Exception {
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        Path file = tmp.resolve("kafka.address");
        new DemoAddress("127.0.0.1:" + closedPort, ProcessHandle.current().pid(), tmp.toString()).write(file);
        assertThat(running(file)).isNull();
        assertThat(err.toString()).contains("ignoring " + file, "its Kafka at 127.0.0.1:" + closedPort + " does not answer");
    }

    @Test
    void noFileIsNoDemoAndABrokenFileIsSaidSo() throws Exception {
        assertThat(running(tmp.resolve("absent"))).isNull();
        assertThat(err.toString()).isEmpty();
        Path broken = Files.writeString(tmp.resolve("kafka.address"), "{\"bootstrap\":");
        assertThat(running(broken)).isNull();
        assertThat(err.toString()).contains("ignoring " + broken + ": cannot read it");
    }

    @Test
    void closingLeavesAWellKnownFileThatALaterDemoHasTaken() throws Exception {
        Path wellKnown = tmp.resolve("demo.address");
        DemoAddress.Registration first = DemoAddress.register("127.0.0.1:1111", tmp.resolve("first"), wellKnown);
        try (DemoAddress.Registration second = DemoAddress.register("127.0.0.1:2222", tmp.resolve("second"), wellKnown)) {
            first.close();
            assertThat(DemoAddress.fileIn(tmp.resolve("first"))).doesNotExist();
            assertThat(DemoAddress.read(wellKnown)).contains(second.address());
        }
        assertThat(wellKnown).doesNotExist();
    }
}
