package io.strata.protocol.message;

/**
 * Arguments of {@code transfer.plan} and {@code transfer.chunks}.
 *
 * @param image the image ({@code name[:tag]}, id or unique id prefix); for {@code transfer.chunks}
 *     the id of the plan's image
 * @param cut how to cut its files: the receiver's {@code CutReply.cut}
 */
public record PlanArgs(String image, String cut) {}
