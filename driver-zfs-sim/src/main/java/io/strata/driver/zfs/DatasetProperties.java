package io.strata.driver.zfs;

import java.io.IOException;
import java.util.List;

/**
 * {@code zfs get}, {@code zfs set} and {@code zfs inherit} for the properties zfs-sim models:
 * {@code recordsize}, {@code compression}, {@code dedup}, {@code quota}, {@code readonly}, {@code
 * atime} and {@code relatime}. Datasets are named as {@code zfs list} names them: the pool {@code
 * strata} or a dataset {@code strata/<id>}.
 *
 * <p>A dataset without a local value inherits from its parent in the namespace, the pool (not from
 * its origin, as in ZFS), then takes the default; {@code quota} is not inherited. As in ZFS, a
 * change applies to what is written afterwards: {@code recordsize} to files created afterwards,
 * {@code compression} and {@code dedup} to records written afterwards; {@code readonly} and {@code
 * quota} to the next change (see {@link WriteGuard}); {@code atime} and {@code relatime} to the
 * next read.
 */
public interface DatasetProperties {
  /** The dataset that backs snapshot {@code key}: {@code strata/<id>}. */
  String dataset(String key);

  /**
   * The effective value of {@code property} on {@code dataset}, and its source; also the read-only
   * {@code available}, {@code referenced}, {@code used} and {@code written} (source {@code -}).
   */
  PropertyValue get(String dataset, String property) throws IOException;

  /** Every property of {@code dataset}, the read-only ones too, by name. */
  List<PropertyValue> list(String dataset) throws IOException;

  /**
   * Sets {@code property} locally on {@code dataset}, durably.
   *
   * @throws io.strata.store.error.InvalidArgumentException for an unknown property or a value it
   *     does not accept, or a snapshot name
   * @throws io.strata.store.error.NotFoundException for an unknown dataset
   */
  void set(String dataset, String property, String value) throws IOException;

  /** Clears {@code property}'s local value on {@code dataset}, so it inherits again. */
  void inherit(String dataset, String property) throws IOException;
}
