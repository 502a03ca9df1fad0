package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.semdex.query.AccessPolicy;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandTest {

    private static DemoCommand parse(String... args) {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args);
        return demo;
    }

    @Test
    void theDemoBindsToLoopbackAndOpensNothingByDefault() {
        DemoCommand demo = parse("--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET");
        assertThat(demo.host).isEqualTo("127.0.0.1");
        AccessPolicy access = demo.access();
        assertThat(access.apiKey()).isNull();
        assertThat(access.corsOrigins()).isEmpty();
        assertThat(access.requestsPerSecond()).isZero();
        assertThat(access.maxBodyBytes()).isEqualTo(AccessPolicy.DEFAULT_MAX_BODY_BYTES);
    }

    @Test
    void flagsSetTheAccessPolicy() {
        AccessPolicy access = parse("--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET", "--rate-limit", "5", "--cors-origin",
                "https://kb.example.com", "--cors-origin", "http://localhost:3000", "--max-body", "65536").access();
        assertThat(access.requestsPerSecond()).isEqualTo(5);
        assertThat(access.burst()).isEqualTo(10);
        assertThat(access.corsOrigins()).containsExactly("https://kb.example.com", "http://localhost:3000");
        assertThat(access.maxBodyBytes()).isEqualTo(65536);
    }

    @Test
    void keyForReadsWithoutAKeyIsRefused() {
        DemoCommand demo = parse("--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET", "--key-for-reads");
        assertThatThrownBy(demo::access).hasMessageContaining("SEMDEX_TEST_KEY_THAT_IS_NOT_SET");
    }

    @Test
    void offLoopbackTheDemoRefusesAnonymousWritesUnlessTold() {
        DemoCommand demo = parse("--host", "0.0.0.0", "--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET");
        assertThatThrownBy(demo::access).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SEMDEX_TEST_KEY_THAT_IS_NOT_SET").hasMessageContaining("--allow-anonymous-writes");
        AccessPolicy open = parse("--host", "0.0.0.0", "--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET", "--allow-anonymous-writes")
                .access();
        assertThat(open.apiKey()).isNull();
    }

    @Test
    void onlyLoopbackAddressesCountAsLoopback() {
        for (String host : new String[] {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "0:0:0:0:0:0:0:1"}) {
            assertThat(AccessOptions.isLoopback(host)).as(host).isTrue();
        }
        for (String host : new String[] {"0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "kb.example.com", "128.0.0.1", "localhost.evil.com"}) {
            assertThat(AccessOptions.isLoopback(host)).as(host).isFalse();
        }
    }
}
