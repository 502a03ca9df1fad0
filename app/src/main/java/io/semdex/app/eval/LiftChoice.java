package io.semdex.app.eval;

import io.semdex.core.FusionCalibration;
import io.semdex.query.FusionWeights;
import io.semdex.query.Searcher;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Per-query nDCG@10 of the default hybrid at each candidate full lift, over one or more columns (a
 * model and kind of query each, counting alike whatever their number of queries), and the rules that
 * choose a lift from them: paired comparisons, query by query, since every lift ranks the same queries.
 *
 * @param lifts per full lift, each column's per-query nDCG@10
 */
record LiftChoice(Map<Double, double[][]> lifts) {

    /** The full lifts compared. */
    static final List<Double> LIFTS = List.of(0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8);

    /**
     * The full lift a generation's default hybrid uses, chosen on pseudo-queries cut from its own
     * documents: nDCG@10 of the default hybrid at each of {@link #LIFTS}, query by query, and the
     * service's {@link FusionWeights#FULL_LIFT} kept unless another lift ranks these queries better by
     * more than one paired standard error ({@link #departure}). The constant is the prior, chosen on
     * other exports; a generation leaves it where its own documents show it should: a model that
     * reads the corpus's language poorly (a larger lift, leaning on keywords), or one that reads it
     * well where keywords mislead (a smaller one).
     *
     * @param searchers a searcher over the pseudo-query index per fusion weights
     * @param pseudo the pseudo-queries and their judgments ({@link PseudoQueries})
     */
    static FusionCalibration choose(Function<FusionWeights, Searcher> searchers, BeirDataset pseudo, int candidates, int rrfK)
            throws IOException {
        Map<Double, double[]> perQuery = new LinkedHashMap<>();
        for (double lift : LIFTS) {
            perQuery.put(lift, Evaluation.run(searchers.apply(FusionWeights.withFullLift(lift)), pseudo, Evaluation.Setting.hybridDefault(),
                    candidates, rrfK, -1, true).ndcgs());
        }
        LiftChoice choice = ofOneColumn(perQuery);
        double prior = FusionWeights.FULL_LIFT;
        double chosen = choice.departure(prior);
        String how = chosen == prior
                ? String.format(Locale.ROOT, "the service's constant: on %d pseudo-queries cut from the generation's documents no full lift "
                        + "ranks better by more than one paired standard error and %.3f (best %.2f: nDCG@10 %.4f against %.4f)", pseudo.queries().size(),
                        MIN_GAIN, choice.best(), choice.mean(choice.best()), choice.mean(prior))
                : String.format(Locale.ROOT, "fitted on %d pseudo-queries cut from the generation's documents: nDCG@10 %.4f against %.4f "
                        + "at the service's constant %.2f (paired standard error %.4f)", pseudo.queries().size(), choice.mean(chosen),
                        choice.mean(prior), prior, choice.standardError(chosen, prior));
        return new FusionCalibration(chosen, how);
    }

    /** One column. */
    static LiftChoice ofOneColumn(Map<Double, double[]> perQuery) {
        Map<Double, double[][]> lifts = new java.util.LinkedHashMap<>();
        perQuery.forEach((lift, ndcgs) -> lifts.put(lift, new double[][] {ndcgs}));
        return new LiftChoice(lifts);
    }

    private int columns() {
        return lifts.values().iterator().next().length;
    }

    /** A lift's figure: the mean over the columns of each column's mean. */
    double mean(double lift) {
        double sum = 0;
        for (double[] column : lifts.get(lift)) {
            sum += average(column);
        }
        return sum / columns();
    }

    /** The lift with the best {@link #mean}; the smaller one of a tie. */
    double best() {
        double best = Double.NaN;
        for (double lift : lifts.keySet()) {
            if (Double.isNaN(best) || mean(lift) > mean(best) + 1e-9) {
                best = lift;
            }
        }
        return best;
    }

    /** The standard error of {@code lift}'s mean minus {@code other}'s, paired query by query. */
    double standardError(double lift, double other) {
        double variance = 0;
        for (int c = 0; c < columns(); c++) {
            double[] a = lifts.get(lift)[c];
            double[] b = lifts.get(other)[c];
            double[] d = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                d[i] = a[i] - b[i];
            }
            double m = average(d);
            double ss = 0;
            for (double x : d) {
                ss += (x - m) * (x - m);
            }
            variance += a.length < 2 ? 0 : ss / (a.length - 1) / a.length;
        }
        return Math.sqrt(variance) / columns();
    }

    /**
     * The one-standard-error rule: the largest lift (the one that asks the vector side for the most
     * evidence before it trusts it fully) whose mean is within one paired standard error of the best
     * mean. The set cannot tell such lifts from the best; of them, the one that leans least on the
     * vector side when a query gives it weak evidence is chosen.
     */
    double oneStandardError() {
        double best = best();
        double chosen = best;
        for (double lift : lifts.keySet()) {
            if (lift > chosen && mean(lift) >= mean(best) - standardError(lift, best)) {
                chosen = lift;
            }
        }
        return chosen;
    }

    /** The least gain in mean nDCG@10 over the prior that a departure must show: the tolerance of the hybrid's goal. */
    static final double MIN_GAIN = 0.005;

    /**
     * {@code prior} unless the best lift beats it by more than one paired standard error and by more
     * than {@link #MIN_GAIN}, then the best: a departure from a constant chosen on other data only
     * where these queries show it is due and worth it (a gain of a few ten-thousandths, however
     * consistent, is not).
     */
    double departure(double prior) {
        double best = best();
        double gain = mean(best) - mean(prior);
        return gain > standardError(best, prior) && gain > MIN_GAIN ? best : prior;
    }

    static double average(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return v.length == 0 ? 0 : sum / v.length;
    }
}
