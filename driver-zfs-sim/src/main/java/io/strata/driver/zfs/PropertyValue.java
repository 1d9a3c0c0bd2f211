package io.strata.driver.zfs;

/**
 * One row of {@code zfs get}: a property's effective value on a dataset and where it comes from.
 *
 * @param dataset the dataset ({@code strata} or {@code strata/<id>})
 * @param property the property name ({@code recordsize}, {@code compression}, {@code dedup})
 * @param value the effective value, canonical ({@code 128K}, {@code zstd-3}, {@code on})
 * @param source {@code local}, {@code inherited from <dataset>} or {@code default}
 */
public record PropertyValue(String dataset, String property, String value, String source) {}
