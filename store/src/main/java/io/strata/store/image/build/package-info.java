/**
 * Builds from a Dockerfile subset: parsing ({@code Dockerfile}, {@code Instruction}), build
 * arguments and variables, the instructions that change the config, COPY and ADD, and the build
 * cache. {@link io.strata.store.image.build.ImageBuilder} runs a build and returns what it made for
 * the image store to record. Uses only {@code layer} of the image packages.
 */
package io.strata.store.image.build;
