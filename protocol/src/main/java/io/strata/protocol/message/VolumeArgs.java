package io.strata.protocol.message;

/**
 * Arguments of the requests about one volume ({@code volume.create|inspect|rm}).
 *
 * @param name the volume's name; for {@code volume.create}, null makes an anonymous volume
 */
public record VolumeArgs(String name) {}
