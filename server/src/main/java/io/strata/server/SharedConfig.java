package io.strata.server;

import io.strata.s3.S3Settings;

/**
 * A chunk store shared with other stratads through an S3 bucket ({@code --store s3://…}).
 *
 * @param s3 the bucket and how to reach it
 * @param cacheBytes what the data root may hold of the bucket's packs
 */
public record SharedConfig(S3Settings s3, long cacheBytes) {}
