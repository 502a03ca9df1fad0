package io.semdex.app.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Anserini-style regression: {@code semdex eval} on a slice of a shared set, end to end through the
 * real splitter, model, shard writer and searcher, must reproduce the recorded scores. A change that
 * moves a score beyond the tolerance fails here and must update the number on purpose.
 *
 * <p>Reproduce: {@code ./semdex eval stackfaq --model bge-small-en-v1.5-q --docs 20}
 */
class EvalRegressionTest {

    /** Room for floating-point differences between CPUs; far below the gaps between modes. */
    private static final double TOLERANCE = 0.005;

    @TempDir
    Path work;

    @Test
    void stackfaqSliceScoresAsRecorded() throws Exception {
        EvalCommand eval = CommandLine.populateCommand(new EvalCommand(),
                "stackfaq", "--model", "bge-small-en-v1.5-q", "--docs", "20", "--work", work.toString());
        EvalCommand.Report report = eval.evaluate(new PrintStream(OutputStream.nullOutputStream()));
        System.out.println(EvalCommand.markdown(report));

        assertThat(report.scores("keyword").queries()).isEqualTo(EXPECTED_QUERIES);
        assertScores(report, "keyword", KEYWORD);
        assertScores(report, "vector", VECTOR);
        assertScores(report, "hybrid-rrf", HYBRID_RRF);
        assertScores(report, "hybrid-linear", HYBRID_LINEAR);
        assertScores(report, "hybrid-default", HYBRID_DEFAULT);
    }

    // nDCG@10, Recall@100, MRR@10 as recorded by the command above: the slice split as the job splits
    // for bge-small-en-v1.5-q (its tokenizer, 102 units), hybrid-default with the weights adapted per query.
    private static final int EXPECTED_QUERIES = 200;
    private static final double[] KEYWORD = {0.9508, 1.0000, 0.9356};
    private static final double[] VECTOR = {0.9963, 1.0000, 0.9950};
    private static final double[] HYBRID_RRF = {0.9953, 1.0000, 0.9938};
    private static final double[] HYBRID_LINEAR = {0.9935, 1.0000, 0.9913};
    private static final double[] HYBRID_DEFAULT = {0.9928, 1.0000, 0.9905};

    private static void assertScores(EvalCommand.Report report, String mode, double[] expected) {
        Evaluation.Scores s = report.scores(mode);
        assertThat(s.ndcg10()).as("%s nDCG@10", mode).isCloseTo(expected[0], within(TOLERANCE));
        assertThat(s.recall100()).as("%s Recall@100", mode).isCloseTo(expected[1], within(TOLERANCE));
        assertThat(s.mrr10()).as("%s MRR@10", mode).isCloseTo(expected[2], within(TOLERANCE));
    }
}
