package io.strata.protocol.message;

/**
 * Arguments of {@code registry.pull}.
 *
 * @param reference {@code REGISTRY/REPO[:TAG|@DIGEST]}
 * @param plainHttp talk to the registry over plain HTTP
 * @param token the registry's secret (the password of its token flow), or null
 */
public record RegistryPullArgs(String reference, boolean plainHttp, String token) {}
