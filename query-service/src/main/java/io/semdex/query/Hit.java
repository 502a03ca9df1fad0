package io.semdex.query;

/**
 * One unit found by a search.
 *
 * @param cosine raw cosine between query and unit
 * @param score what the hits are ranked by in this mode
 * @param band {@code strong | related | weak}, from the model's cut-offs
 */
public record Hit(int rank, String unitId, String docId, String title, String text, String url, double cosine, double score, String band) {}
