/**
 * PAX extended headers with exact bytes: {@link io.strata.files.pax.PaxHeader} writes one as the
 * canonical layer tar does (the server's layers and the client's tar of a directory must be the
 * same bytes), and {@link io.strata.files.pax.HeaderCapture}, {@link
 * io.strata.files.pax.EntryXattrs} and {@link io.strata.files.pax.PaxXattrs} give each entry's
 * {@code SCHILY.xattr.*} records byte for byte as a tar is read; commons-compress decodes PAX
 * values as UTF-8, which mangles binary ones such as {@code security.capability}.
 */
package io.strata.files.pax;
