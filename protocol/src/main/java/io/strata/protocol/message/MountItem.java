package io.strata.protocol.message;

/**
 * One mount of a container.
 *
 * @param type {@code volume} or {@code bind}
 * @param source the volume's name, or the bind source's path on the server's host
 * @param target the path inside the container
 * @param readOnly whether writes through it are refused
 * @param anonymous whether the volume was made for this container without a name ({@code rm -v}
 *     removes it)
 */
public record MountItem(
    String type, String source, String target, boolean readOnly, boolean anonymous) {}
