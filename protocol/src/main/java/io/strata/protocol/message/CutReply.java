package io.strata.protocol.message;

/**
 * The answer to {@code transfer.cut}: how the server cuts the files of images it stores, so that a
 * sender can cut them the same way.
 *
 * @param cut {@code cdc:MIN/AVG/MAX} or {@code records:SIZE}
 */
public record CutReply(String cut) {}
