/**
 * docker's {@code --filter} values that the client checks before it asks and the server applies
 * where it removes: {@code until=} ({@link io.strata.protocol.filter.Until}) and {@code label=},
 * {@code label!=} ({@link io.strata.protocol.filter.LabelFilter}), together a {@link
 * io.strata.protocol.filter.PruneFilter}. One parse on both sides, so that what the client accepts
 * the server reads the same way.
 */
package io.strata.protocol.filter;
