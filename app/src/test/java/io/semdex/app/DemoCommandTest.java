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
}
