package io.strata.protocol.message;

/**
 * Arguments of {@code transfer.put} and {@code transfer.apply}.
 *
 * @param plan the plan's id ({@code sha256:} of its bytes), as {@code OfferReply.plan} gave it
 */
public record PlanRef(String plan) {}
