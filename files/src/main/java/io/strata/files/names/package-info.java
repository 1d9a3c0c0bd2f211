/**
 * File names as UTF-8, the one form Strata keeps them in: {@link io.strata.files.names.Utf8Names}
 * checks and shows bytes, {@link io.strata.files.names.HostNames} takes the names of this host's
 * files only when they are the files' own bytes. Shared by the server's store and the client.
 */
package io.strata.files.names;
