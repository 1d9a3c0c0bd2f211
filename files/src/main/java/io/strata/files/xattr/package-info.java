/**
 * The extended attributes of this host's files, read and set through the C library ({@link
 * io.strata.files.xattr.HostXattrs}): the server reads them from a directory it imports, the client
 * from a directory it sends and sets them on what {@code strata cp} unpacks.
 */
package io.strata.files.xattr;
