/**
 * The typed errors of the engine. Each maps to one protocol status and one exit code of the CLI;
 * tests assert the type, never the text.
 */
package io.strata.store.error;
