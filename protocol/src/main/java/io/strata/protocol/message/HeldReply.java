package io.strata.protocol.message;

import java.util.List;

/**
 * The answer of {@code image.held}.
 *
 * @param held for each layer of the request, whether the server holds it and can give back that
 *     very blob byte for byte, so that the pull need not fetch it (Docker's "Already exists")
 */
public record HeldReply(List<Boolean> held) {}
