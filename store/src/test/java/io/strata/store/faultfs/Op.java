package io.strata.store.faultfs;

/**
 * One call into a {@link FaultFileSystem}, as a fault rule or a trace sees it.
 *
 * @param kind what the call does
 * @param path the absolute path it acts on ({@code from -> to} for a rename)
 * @param call its number among all mutating calls since the counters were reset, from 1 (0 for a
 *     call that is not mutating)
 * @param kindCall its number among the calls of its kind since the counters were reset, from 1
 */
public record Op(OpKind kind, String path, long call, long kindCall) {
  @Override
  public String toString() {
    return "#" + call + " " + kind + "#" + kindCall + " " + path;
  }
}
