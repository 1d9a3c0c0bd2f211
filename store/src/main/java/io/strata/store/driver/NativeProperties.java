package io.strata.store.driver;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The driver tool's own property commands, for {@code strata driver get|set|show}: {@code zfs
 * get/set/inherit} and {@code zfs get all}, or {@code btrfs property get ro} and {@code btrfs
 * subvolume show}. An optional ability; rows are maps in the order the tool prints their fields.
 */
public interface NativeProperties {
  /**
   * Runs {@code op} ({@code get}, {@code set}, {@code inherit} or {@code show}) on {@code name} (a
   * dataset or snapshot key; null: the pool where there is one). {@code get}, {@code set} and
   * {@code inherit} answer rows of {@code name}, {@code property}, {@code value}, {@code source};
   * {@code show} answers the tool's fields of one subvolume or dataset.
   *
   * @throws io.strata.store.error.InvalidArgumentException for an unknown op or property, or a
   *     value the property does not take
   * @throws io.strata.store.error.NotFoundException for an unknown name
   */
  List<Map<String, Object>> properties(String op, String property, String value, String name)
      throws IOException;

  /**
   * {@code zfs set PROPERTY=VALUE... NAME...} (a null value: {@code zfs inherit}), all or nothing:
   * every assignment is checked on every name before any is applied. Answers the rows of each
   * name's assigned properties afterwards, as {@code get} does.
   *
   * @param names datasets or snapshot keys; empty: the pool
   * @throws io.strata.store.error.InvalidArgumentException as {@link #properties}; nothing changed
   * @throws io.strata.store.error.NotFoundException for an unknown name; nothing changed
   * @throws io.strata.store.error.ConflictException where the driver keeps the property itself
   */
  List<Map<String, Object>> setAll(List<PropertyAssignment> assignments, List<String> names)
      throws IOException;
}
