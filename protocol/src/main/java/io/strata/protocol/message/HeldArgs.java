package io.strata.protocol.message;

import java.util.List;

/**
 * Arguments of {@code image.held}: one image's layers, bottom first, as a pull about to fetch them
 * knows them.
 *
 * @param diffIds the diff_ids its config lists
 * @param digests the layer blob digests its manifest lists, as many
 */
public record HeldArgs(List<String> diffIds, List<String> digests) {}
