package io.strata.protocol.message;

import java.util.List;

/**
 * The answer of {@code build.prune}.
 *
 * @param entries the build cache entries forgotten
 * @param layers the chain ids of the layers removed with them (nothing else kept them), top down;
 *     their chunks go at the next gc
 */
public record BuildPruneReply(int entries, List<String> layers) {}
