package io.semdex.app.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code semdex bench …}: measurements that are not tests. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchEmbedCommand.class, BenchPipelineCommand.class, SearchBench.class, BenchIndexCommand.class, BenchAbuseCommand.class, CommandLine.HelpCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
