/**
 * The JSON bodies of requests and responses: one record per message, whose component names are the
 * JSON keys (and, for replies, the keys of the CLI's {@code --json} output). Unknown keys are
 * ignored, so later versions may add fields.
 */
package io.strata.protocol.message;
