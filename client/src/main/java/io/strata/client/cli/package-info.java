/**
 * The {@code strata} command line: picocli commands over {@link io.strata.client.StrataClient},
 * human and {@code --json} output, and the mapping of failures to the exit codes of SPEC §1.
 */
package io.strata.client.cli;
