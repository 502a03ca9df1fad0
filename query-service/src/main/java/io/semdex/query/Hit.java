package io.semdex.query;

import java.util.List;

/**
 * One unit found by a search (with {@code group=doc}: its document's best unit).
 *
 * @param rank 1-based position in the whole ranking, offset included
 * @param cosine raw cosine between query and unit; null in {@code keyword} mode, which embeds nothing
 * @param relevance calibrated relevance of the cosine, 0..1: how likely a hit with this cosine is to be
 *     relevant, by the generation's calibration; null in {@code keyword} mode and for an uncalibrated model
 * @param bm25 BM25 of the unit for the query over title and text; 0 when no query term occurs in it
 * @param score what the hits are ranked by: the cosine ({@code vector}), BM25 ({@code keyword}) or
 *     the fused score ({@code hybrid})
 * @param band {@code strong | related | weak}: fixed cut-offs of the relevance (of the raw cosine for an
 *     uncalibrated model); null without a cosine
 * @param highlights where the query's terms occur in {@code title} and {@code text}
 */
public record Hit(
        int rank,
        String unitId,
        String docId,
        String title,
        String text,
        String url,
        Double cosine,
        Double relevance,
        double bm25,
        double score,
        String band,
        List<Highlight> highlights) {}
