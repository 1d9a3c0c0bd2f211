/**
 * {@link io.strata.client.StrataClient}, a small blocking Java API over the Strata protocol: one
 * connection, one request at a time, payloads streamed from and to Java streams.
 */
package io.strata.client;
