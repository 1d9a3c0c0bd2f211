package io.strata.protocol.message;

/**
 * The body of a failed RESPONSE.
 *
 * @param message one sentence naming the object and what is wrong with it
 */
public record ErrorBody(String message) {}
