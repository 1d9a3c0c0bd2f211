package io.strata.protocol.message;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arguments of {@code driver.set}: {@code zfs set PROPERTY=VALUE... NAME...} in one request, so the
 * server checks every assignment on every name before it applies any.
 *
 * @param properties the new values by property, in the order given
 * @param inherit properties to clear, as {@code zfs inherit} (none also in {@code properties})
 * @param names datasets ({@code strata/<id>}), {@code strata} or snapshot keys; empty: the pool
 */
public record DriverSetArgs(
    Map<String, String> properties, List<String> inherit, List<String> names) {
  public DriverSetArgs {
    properties = properties == null ? Map.of() : new LinkedHashMap<>(properties);
    inherit = inherit == null ? List.of() : List.copyOf(inherit);
    names = names == null ? List.of() : List.copyOf(names);
  }
}
