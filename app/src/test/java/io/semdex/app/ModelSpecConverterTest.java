package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code --model} flags arrive as parsed specs, however the command line is built; a bad one is refused before anything starts. */
class ModelSpecConverterTest {

    @Test
    void aBadSpecIsRefusedWithItsValueAndTheKnownPresets() {
        CommandRun run = CommandRun.of("split-stats", "--model", "gpt-9", "no-such-export");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--model", "unknown model preset 'gpt-9'", "known: " + ModelPresets.DEFAULT);

        CommandRun badKey = CommandRun.of("serve", "--index", "/i", "--model", ModelPresets.DEFAULT + "?dimension=256");
        assertThat(badKey.exit()).isEqualTo(2);
        assertThat(badKey.err()).contains("--model", "unknown model spec key 'dimension'", ModelPresets.DEFAULT + "?dimension=256");
    }

    @Test
    void theDefaultAndAGivenSpecKeepTheirText() {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--index", "/i");
        assertThat(serve.model.text()).isEqualTo(ModelPresets.DEFAULT);

        ReindexCommand reindex = new ReindexCommand(); // a subcommand alone converts as under `semdex`
        new CommandLine(reindex).parseArgs("--index", "/i", "--model", " all-minilm-l6-v2?batch-size=8 ");
        assertThat(reindex.model.text()).isEqualTo("all-minilm-l6-v2?batch-size=8");
        assertThat(reindex.model.batchSize()).isEqualTo(8);
    }

    @Test
    void everySpecOfARepeatedOptionIsParsed() {
        CommandLine semdex = new CommandLine(new Semdex());
        CommandLine.ParseResult parsed = semdex.parseArgs("bench", "embed", "--also", ModelPresets.DEFAULT + "?workers=2", "--also",
                "all-minilm-l6-v2");
        List<EmbedderSpec> also = parsed.subcommand().subcommand().matchedOption("--also").getValue();
        assertThat(also).extracting(EmbedderSpec::text).containsExactly(ModelPresets.DEFAULT + "?workers=2", "all-minilm-l6-v2");
    }
}
