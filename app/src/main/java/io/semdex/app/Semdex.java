package io.semdex.app;

import io.semdex.app.bench.BenchCommand;
import io.semdex.app.eval.EvalCommand;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code semdex} command. */
@Command(name = "semdex", mixinStandardHelpOptions = true, versionProvider = Semdex.Version.class,
        description = "Keeps a semantic + keyword search index in step with a stream of documents.",
        subcommands = {DemoCommand.class, ServeCommand.class, ProduceCommand.class, ReindexCommand.class, SwitchCommand.class, EvalCommand.class, SplitStatsCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class Semdex {

    /** The command line as {@link #main} runs it: a wrong argument or setting ends in one line on stderr and exit code 2. */
    static CommandLine commandLine() {
        return new CommandLine(new Semdex())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                        // A wrong argument or setting: the message says what to change; a stack trace would not help.
                        cmd.getErr().println("semdex " + cmd.getCommandName() + ": " + e.getMessage());
                        return 2;
                    }
                    throw e;
                });
    }

    /** {@code semdex --version}: the version and the commit it was built from, as the build recorded them. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties build = new Properties();
            try (InputStream in = Semdex.class.getResourceAsStream("/semdex-version.properties")) {
                if (in != null) {
                    build.load(in);
                }
            }
            String commit = known(build.getProperty("commit"));
            String line = "semdex " + known(build.getProperty("version")) + " (commit " + commit
                    + ("true".equals(build.getProperty("dirty")) ? ", with uncommitted changes" : "") + ")";
            return new String[] {line, "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch")};
        }

        /** A value the build filled in, else "unknown" (built outside a git checkout). */
        private static String known(String value) {
            return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
        }
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        int code = commandLine().execute(args);
        // Libraries leave threads behind (Kafka clients, Flink's MiniCluster): the command's status ends the process.
        System.exit(code);
    }
}
