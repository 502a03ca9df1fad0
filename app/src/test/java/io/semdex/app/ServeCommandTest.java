package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code semdex serve}'s start-up checks, run as {@link Semdex#main} runs them; none of these loads a model. */
class ServeCommandTest {

    @TempDir
    Path index;

    private record Run(int exitCode, String err) {}

    private static Run serve(String... args) {
        StringWriter err = new StringWriter();
        CommandLine command = Semdex.commandLine();
        command.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        return new Run(command.execute(all), err.toString());
    }

    @Test
    void onAllInterfacesWithoutAKeyServeRefusesToStartAndSaysHowToFixIt() {
        Run run = serve("--index", index.toString(), "--host", "0.0.0.0", "--bootstrap", "127.0.0.1:9",
                "--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).doesNotContain("\n").startsWith("semdex serve: ")
                .contains("SEMDEX_TEST_KEY_THAT_IS_NOT_SET", "--api-key-env", "--allow-anonymous-writes");
    }

    @Test
    void aReadOnlyServiceNeedsNoKeyOnAnyAddress() {
        AccessOptions options = new AccessOptions();
        new CommandLine(options).parseArgs("--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET");
        assertThat(options.policy("0.0.0.0", false).apiKey()).isNull(); // serve without --bootstrap: POST /api/documents is off
    }

    @Test
    void withoutIndexOrDataServeSaysWhatToGive() {
        Run run = serve("--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("semdex serve: give --index DIR (the index root), or --data DIR (a demo's data directory)");
    }

    @Test
    void withTheDataOfARunningDemoServeTakesItsKafkaSoWritesOffLoopbackNeedAKey() throws Exception {
        try (ServerSocket broker = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String bootstrap = "127.0.0.1:" + broker.getLocalPort();
            new DemoAddress(bootstrap, ProcessHandle.current().pid(), index.toString()).write(DemoAddress.fileIn(index));
            Run run = serve("--data", index.toString(), "--host", "0.0.0.0", "--api-key-env", "SEMDEX_TEST_KEY_THAT_IS_NOT_SET");
            assertThat(run.exitCode()).isEqualTo(2); // refused before the model loads: the write endpoint is on
            assertThat(run.err()).contains("semdex serve: using the local demo's Kafka at " + bootstrap + " (from "
                    + DemoAddress.fileIn(index) + ")", "--allow-anonymous-writes");
        }
    }

    @Test
    void theAccessFlagsAreSharedWithTheDemo() {
        CommandLine serve = Semdex.commandLine().getSubcommands().get("serve");
        CommandLine demo = Semdex.commandLine().getSubcommands().get("demo");
        for (String flag : new String[] {"--api-key-env", "--key-for-reads", "--allow-anonymous-writes", "--cors-origin", "--rate-limit",
                "--max-body", "--allowed-host", "--trusted-proxy"}) {
            assertThat(serve.getCommandSpec().findOption(flag)).as("serve " + flag).isNotNull();
            assertThat(demo.getCommandSpec().findOption(flag)).as("demo " + flag).isNotNull();
        }
        ServeCommand parsed = new ServeCommand();
        new CommandLine(parsed).parseArgs("--index", "/data/index", "--rate-limit", "5", "--max-body", "65536");
        assertThat(parsed.accessOptions.apiKeyEnv).isEqualTo("SEMDEX_API_KEY");
        assertThat(parsed.accessOptions.rateLimit).isEqualTo(5);
        assertThat(parsed.accessOptions.maxBody).isEqualTo(65536);
    }
}
