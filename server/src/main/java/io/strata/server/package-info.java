/**
 * stratad: the command line ({@link io.strata.server.Stratad}), its configuration, and {@link
 * io.strata.server.StrataServer}, which opens the engine, binds the listening socket (and the
 * metrics endpoint) and shuts everything down in order.
 */
package io.strata.server;
