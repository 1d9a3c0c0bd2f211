/**
 * What the server does for each opcode: an {@link io.strata.server.op.Operation} per opcode turns
 * JSON arguments into engine calls and says how the answer flows (a reply, an upload sink, or a
 * download stream). Runs on engine threads only, never on an event loop; knows nothing of Netty.
 */
package io.strata.server.op;
