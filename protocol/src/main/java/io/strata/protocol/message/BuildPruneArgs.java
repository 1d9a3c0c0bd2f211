package io.strata.protocol.message;

/**
 * Arguments of {@code build.prune}.
 *
 * @param all every build cache entry; else only those whose layer no image uses (docker's dangling
 *     build cache)
 */
public record BuildPruneArgs(boolean all) {}
